// "Загрузить новый код": replace the CAPTCHA image (and the "Прослушать код" link) in place. The button is a submit
// button carrying data-captcha-refresh="<refresh URL>"; without JavaScript (or when
// the request fails) it submits the form and the server shows it with a new code.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-captcha-refresh]");
  if (!button) return;
  const form = button.form;
  const image = form && form.querySelector("[data-captcha-image]");
  const key = form && form.querySelector('input[name="captcha_0"]');
  const answer = form && form.querySelector('input[name="captcha_1"]');
  if (!image || !key || !answer) return; // let the form submit: server-side refresh
  event.preventDefault();
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.captchaRefresh, {
      headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    image.src = data.image_url;
    const audio = form.querySelector("[data-captcha-audio]");
    if (audio) audio.href = audio.href.replace(key.value, data.key);
    key.value = data.key;
    answer.value = "";
    answer.focus();
    const status = form.querySelector("[data-captcha-status]");
    if (status && button.dataset.done) status.textContent = button.dataset.done;
  } catch (error) {
    button.disabled = false;
    form.requestSubmit(button);
    return;
  }
  button.disabled = false;
});

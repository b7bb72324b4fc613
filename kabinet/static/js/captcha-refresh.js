// "Загрузить новый код": replace the CAPTCHA image in place. Without JavaScript the
// same button submits the form and the server shows the page again with a new code.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-captcha-refresh]");
  if (!button) return;
  const form = button.form;
  const image = form && form.querySelector(".captcha-image");
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
    key.value = data.key;
    answer.value = "";
    answer.focus();
  } catch (error) {
    button.disabled = false;
    form.requestSubmit(button);
    return;
  }
  button.disabled = false;
});

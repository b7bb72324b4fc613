// "Добавление лицевого счета": cascading lists and "Загрузить новый код" without page reloads.
// The page works without this script: the "Показать …" buttons and "Загрузить новый код"
// then submit the form, and the server re-renders it with the next list filled in.
(function () {
  "use strict";

  var form = document.querySelector("[data-attach-form]");
  if (!form || !window.fetch) {
    return;
  }

  var levels = ["organization", "house", "premises", "account"];
  var selects = levels.map(function (name) {
    return form.elements[name];
  });
  var stepButtons = form.querySelectorAll("[data-nojs]");
  var requestIds = {};

  function showStepButtons(visible) {
    stepButtons.forEach(function (button) {
      button.hidden = !visible;
    });
  }

  // Leave only the "— выберите —" option; an empty list is disabled until it is filled.
  function clear(select) {
    while (select.options.length > 1) {
      select.remove(1);
    }
    select.value = "";
    select.disabled = true;
  }

  function load(index) {
    var parent = selects[index];
    var child = selects[index + 1];
    var level = levels[index + 1];
    for (var i = index + 1; i < selects.length; i += 1) {
      clear(selects[i]);
    }
    if (!parent.value) {
      return;
    }
    var id = (requestIds[level] || 0) + 1;
    requestIds[level] = id;
    child.setAttribute("aria-busy", "true");
    var url = form.dataset.optionsUrl + "?level=" + level + "&parent=" + encodeURIComponent(parent.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (requestIds[level] !== id) {
          return; // a later choice has been made meanwhile
        }
        data.options.forEach(function (option) {
          child.add(new Option(option.label, option.value));
        });
        child.disabled = data.options.length === 0;
        if (data.options.length === 1) {
          // A single house, flat or account: choose it and go on.
          child.value = String(data.options[0].value);
          child.dispatchEvent(new Event("change"));
        }
      })
      .catch(function () {
        showStepButtons(true); // fall back to the buttons that work without JavaScript
      })
      .finally(function () {
        child.removeAttribute("aria-busy");
      });
  }

  selects.slice(0, -1).forEach(function (select, index) {
    select.addEventListener("change", function () {
      load(index);
    });
  });
  showStepButtons(false);

  // The browser's calendar for "Дата платежа": the text box keeps the 30.09.2014 format.
  var picker = form.querySelector("[data-date-picker]");
  var dateText = form.elements.paid_on;
  var nativeDate = picker && picker.querySelector("input[type=date]");
  if (picker && dateText && nativeDate && typeof nativeDate.showPicker === "function") {
    picker.hidden = false;
    picker.querySelector("button").addEventListener("click", function () {
      var typed = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(dateText.value.trim());
      nativeDate.value = typed ? typed[3] + "-" + typed[2] + "-" + typed[1] : "";
      try {
        nativeDate.showPicker();
      } catch (error) {
        picker.hidden = true; // no calendar here: typing the date still works
        dateText.focus();
      }
    });
    nativeDate.addEventListener("change", function () {
      var chosen = /^(\d{4})-(\d{2})-(\d{2})$/.exec(nativeDate.value);
      if (chosen) {
        dateText.value = chosen[3] + "." + chosen[2] + "." + chosen[1];
      }
      dateText.focus();
    });
  }
})();

/* Confirmation before irreversible steps (dvkheo/core/confirm.py). A submit button carrying
   data-confirm-question / data-confirm-irreversible / data-confirm-button opens a dialog with the
   same texts as the server's confirmation page; confirming posts the form with confirmed=1.
   Without JavaScript, or without <dialog>, the server asks on its own page instead. */
(function () {
  "use strict";

  if (typeof HTMLDialogElement !== "function") {
    return;
  }

  function text(tag, className, content) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    element.textContent = content;
    return element;
  }

  function buildDialog(button) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    var question = text("h2", "", button.getAttribute("data-confirm-question"));
    question.id = "confirm-dialog-question";
    dialog.appendChild(question);
    var warning = document.createElement("p");
    warning.className = "flash flash-warning";
    warning.appendChild(text("strong", "", "Không thể hoàn tác. "));
    warning.appendChild(document.createTextNode(button.getAttribute("data-confirm-irreversible")));
    dialog.appendChild(warning);
    var details = button.getAttribute("data-confirm-details");
    if (details) {
      var list = document.createElement("ul");
      list.className = "confirm-details";
      details.split("\n").forEach(function (line) { list.appendChild(text("li", "", line)); });
      dialog.appendChild(list);
    }
    var actions = document.createElement("div");
    actions.className = "form-actions";
    var ok = text("button", "button " + (button.hasAttribute("data-confirm-danger") ? "danger" : "primary"),
      button.getAttribute("data-confirm-button"));
    ok.type = "button";
    ok.setAttribute("data-confirm-ok", "");
    var cancel = text("button", "button", "Quay lại, chưa thực hiện");
    cancel.type = "button";
    cancel.setAttribute("data-confirm-cancel", "");
    actions.appendChild(ok);
    actions.appendChild(cancel);
    dialog.appendChild(actions);
    return dialog;
  }

  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
    return input;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    // data-confirm-skip: the page knows the step cannot be done as typed (e.g. an incomplete scoring
    // sheet); the server answers with the errors and asks nothing, so neither does the dialog.
    if (!button || !button.hasAttribute("data-confirm-question") || button.hasAttribute("data-confirm-skip") ||
        form.querySelector("input[name=confirmed]")) {
      return;
    }
    event.preventDefault();
    var dialog = buildDialog(button);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); button.focus(); });
    dialog.querySelector("[data-confirm-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector("[data-confirm-ok]").addEventListener("click", function () {
      // form.submit() leaves out the clicked button: carry its name and value (e.g. "finalise") by hand.
      var added = [hidden(form, "confirmed", "1")];
      if (button.name) { added.push(hidden(form, button.name, button.value)); }
      dialog.close();
      form.submit();
      // The form's data is taken when submit() is called: take the additions out again, so that a page
      // restored by the back button does not post "confirmed" (or "finalise") with another button, unasked.
      added.forEach(function (input) { input.remove(); });
    });
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
  });
}());

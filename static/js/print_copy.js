/* Print and copy buttons (templates/_macros/print_copy.html). <button data-print> opens the browser's print dialog;
   <button data-copy="ID" data-copy-done="…"> copies the text of the element #ID and announces it in the page's
   [data-copy-status] region. The buttons are rendered hidden and shown here, so without JavaScript none is dead. */
(function () {
  "use strict";

  function announce(text) {
    var status = document.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (a commune office's intranet): the older way, through a selected, off-screen textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "copy-buffer";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      document.body.removeChild(area);
      if (done) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      copyText(text).then(function () {
        announce(button.getAttribute("data-copy-done") || "Đã sao chép.");
      }, function () {
        // The browser refused: leave the text selected so Ctrl+C copies it.
        selectText(target);
        announce("Không sao chép tự động được; số đã được chọn, hãy nhấn Ctrl+C để sao chép.");
      });
    });
  });
})();

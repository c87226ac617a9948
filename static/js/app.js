// dvkheo: small enhancements for every page. The pages work without this file.
(function () {
  "use strict";

  // A form's sticky bar of buttons ("Lưu nháp", "Nộp hồ sơ") sits over the bottom of the screen: when the field
  // being typed in ends under it (a tall text area, a phone's short screen), bring the field up above the bar.
  function keepAboveStickyBar(field) {
    var bar = (field.form && field.form.querySelector(".form-actions")) || document.querySelector(".form-actions");
    if (!bar || bar.contains(field) || getComputedStyle(bar).position !== "sticky") return;
    var overlap = field.getBoundingClientRect().bottom - bar.getBoundingClientRect().top + 12;
    if (overlap > 0) window.scrollBy(0, overlap);
  }

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("input, select, textarea")) return;
    keepAboveStickyBar(field);
    window.requestAnimationFrame(function () { keepAboveStickyBar(field); });
  });
})();

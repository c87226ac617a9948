/* The scoring sheet's running total ("Tổng điểm đang chấm"): the sum of the valid whole points typed
   so far, updated on every keystroke. Without JavaScript the server shows the same total after each
   submit (dvkheo.review.scoring.typed_total); blank, decimal or over-maximum entries count as 0 in both. */
(function () {
  "use strict";

  var output = document.getElementById("score-total");
  if (!output) {
    return;
  }
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-score-max]"));

  function valid(input) {
    var text = input.value.trim();
    if (!/^\d{1,6}$/.test(text)) {
      return 0;
    }
    var value = parseInt(text, 10);
    var maximum = parseInt(input.getAttribute("data-score-max"), 10);
    return value <= maximum ? value : 0;
  }

  function update() {
    var total = inputs.reduce(function (sum, input) { return sum + valid(input); }, 0);
    output.value = String(total);
    output.textContent = String(total);
  }

  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
}());

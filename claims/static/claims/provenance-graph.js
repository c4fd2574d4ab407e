// Draws each attribution graph on the page from its DOT source (embedded as JSON, so no name in
// it is ever read as markup) with Viz.js, Graphviz compiled to WebAssembly and served locally.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const figures = document.querySelectorAll("[data-provenance-graph]");
  if (!figures.length) {
    return;
  }
  const drawing = window.Viz.instance();
  for (const figure of figures) {
    const canvas = figure.querySelector(".provenance-canvas");
    const dot = JSON.parse(document.getElementById(figure.dataset.provenanceGraph).textContent);
    drawing
      .then((viz) => {
        const svg = viz.renderSVGElement(dot);
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", "Attribution graph: each appearance of the claim and what it derives from");
        canvas.replaceChildren(svg);
        figure.dataset.drawn = "true";
      })
      .catch((error) => {
        canvas.textContent = "The graph could not be drawn: " + error.message;
        figure.dataset.drawn = "failed";
      });
  }
});

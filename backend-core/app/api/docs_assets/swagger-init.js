// Starts Swagger UI for Lifeboard's /docs page. Kept out of the HTML so that the
// Content-Security-Policy needs no 'unsafe-inline' for scripts.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Keep the bearer token across reloads of the page (stored in the browser only).
    persistAuthorization: true,
    displayRequestDuration: true,
    tryItOutEnabled: true,
    // The default validator badge calls a public service: never leave the host.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});

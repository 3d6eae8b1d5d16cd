// Starts Swagger UI on the API reference page. A file of its own: the CSP runs no inline script.
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/openapi.json", // sent with this page's session cookie, so no token is needed to read it
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    // The API takes tokens, not this page's session: requests tried from here would all be 401s.
    supportedSubmitMethods: [],
    // Swagger UI would otherwise fetch a badge from validator.swagger.io, which the CSP refuses.
    validatorUrl: null,
  });
});

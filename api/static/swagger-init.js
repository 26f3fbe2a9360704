// Starts Swagger UI on /docs; a file of its own because the CSP allows no inline script.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // No badge fetched from the public validator: nothing leaves this origin.
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});

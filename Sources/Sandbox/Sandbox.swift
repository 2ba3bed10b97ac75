// Sandbox module.

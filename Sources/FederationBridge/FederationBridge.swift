// FederationBridge module.

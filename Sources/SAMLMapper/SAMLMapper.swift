// SAMLMapper module.

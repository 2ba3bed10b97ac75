// IAMSmart module.

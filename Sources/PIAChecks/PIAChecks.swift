// PIAChecks module.

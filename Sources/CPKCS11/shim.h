#ifndef FEDERATIONBRIDGE_CPKCS11_SHIM_H
#define FEDERATIONBRIDGE_CPKCS11_SHIM_H
// The standard PKCS#11 (Cryptoki) types, constants and function list, from
// p11-kit's copy of the header. Nothing is linked: the configured module is
// loaded with dlopen and reached through its C_GetFunctionList.
#include <p11-kit-1/p11-kit/pkcs11.h>
#endif

#ifndef FEDERATIONBRIDGE_CLIBCRYPTO_SHIM_H
#define FEDERATIONBRIDGE_CLIBCRYPTO_SHIM_H
// libcrypto is linked only for what swift-crypto lacks or does slower: SM2,
// SM3, SM4, RSA PKCS#1 v1.5 key transport, and RSA signing at the machine's speed.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/core_names.h>
#endif

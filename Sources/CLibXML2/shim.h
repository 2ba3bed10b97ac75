#ifndef FEDERATIONBRIDGE_CLIBXML2_SHIM_H
#define FEDERATIONBRIDGE_CLIBXML2_SHIM_H
// Debian builds libxml2 with ICU; its ICU types clash with Foundation's own
// copy, so the ICU-facing parts are switched off before anything else loads.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/c14n.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xmlstring.h>
#endif

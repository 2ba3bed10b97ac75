"""Writes partner SP metadata with pysaml2, an independent SAML implementation.

The files are committed; the tests wrap them in aggregates, add validUntil
and sign them with xmlsec1 at test time. Regenerate with:

    python3 -m venv venv && venv/bin/pip install pysaml2
    venv/bin/python generate.py

pysaml2 reads the certificate to publish (sp.crt, made here with openssl
when absent); its key is not needed and not kept.
"""
import os
import subprocess

from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI

HERE = os.path.dirname(os.path.abspath(__file__))


def certificate(name):
    crt = os.path.join(HERE, name + ".crt")
    key = os.path.join(HERE, name + ".key")
    if not os.path.exists(crt):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                        "-days", "7300", "-subj", "/CN=" + name], check=True, capture_output=True)
    return key, crt


def write(name, entity_id, name_form, required, optional, acs):
    key, crt = certificate(name)
    conf = {
        "entityid": entity_id,
        "key_file": key if os.path.exists(key) else None,
        "cert_file": crt,
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": acs,
                "single_logout_service": [(entity_id.rsplit("/", 1)[0] + "/slo", BINDING_HTTP_REDIRECT)],
            },
            "required_attributes": required,
            "optional_attributes": optional,
            "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
            "authn_requests_signed": True,
            "want_assertions_signed": True,
        }},
        "name_form": name_form,
    }
    descriptor = entity_descriptor(SPConfig().load(conf))
    with open(os.path.join(HERE, name + ".xml"), "w") as out:
        out.write(descriptor.to_string().decode() + "\n")
    if os.path.exists(key):
        os.remove(key)


# Common SP software's default: attributes by OID, NameFormat uri.
write("pysaml2-oid-sp", "https://oid.partner.example.cn/sp", NAME_FORMAT_URI,
      ["cn", "schacGender"], ["mail"],
      [("https://oid.partner.example.cn/acs/post", BINDING_HTTP_POST),
       ("https://oid.partner.example.cn/acs/artifact", BINDING_HTTP_ARTIFACT)])
# A second member of the same federation, for aggregates.
write("pysaml2-second-sp", "https://second.partner.example.cn/sp", NAME_FORMAT_URI,
      ["cn"], ["sn"],
      [("https://second.partner.example.cn/acs/post", BINDING_HTTP_POST)])

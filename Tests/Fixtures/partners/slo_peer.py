"""A partner's side of SAML Single Logout done by pysaml2, an independent
SAML implementation, for the bridge's end-to-end tests.

Usage: python3 slo_peer.py JSON, where JSON names a command:

- "request": pysaml2 as the service provider `entityID` (key and
  certificate files given) builds a signed LogoutRequest to the bridge for
  `nameID` / `sessionIndex`, on HTTP-Redirect (prints {"url": ...}) or
  HTTP-POST (prints {"SAMLRequest": ..., "RelayState": ...}).
- "verify": pysaml2 as the service provider `entityID` with its
  SingleLogoutService at `sloURL` reads each message the bridge sent it
  (HTTP-Redirect query or HTTP-POST form value), checks its signature with
  the bridge's certificate from `idpMetadata` (required), and prints what it
  read, one JSON object per message.
"""
import base64
import json
import sys
from urllib import parse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.s_utils import decode_base64_and_inflate
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.sigver import RSACrypto, verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


def client(args):
    conf = {
        "entityid": args["entityID"],
        "key_file": args.get("key"),
        "cert_file": args.get("cert"),
        "metadata": {"local": [args["idpMetadata"]]},
        "accepted_time_diff": 60,
        "service": {"sp": {
            "endpoints": {
                "single_logout_service": [(args["sloURL"], BINDING_HTTP_REDIRECT), (args["sloURL"], BINDING_HTTP_POST)],
                "assertion_consumer_service": [(args["sloURL"].rsplit("/", 1)[0] + "/acs/post", BINDING_HTTP_POST)],
            },
            "logout_requests_signed": True,
            "allow_unsolicited": True,
        }},
    }
    return Saml2Client(SPConfig().load(conf))


def bridge_certificate(args):
    with open(args["idpCertificate"]) as f:
        return "".join(line.strip() for line in f if "-----" not in line)


def request(args):
    sp = client(args)
    name_id = NameID(text=args["nameID"], format=NAMEID_FORMAT_PERSISTENT, name_qualifier=args["idpEntityID"],
                     sp_name_qualifier=args["entityID"])
    post = args["binding"] == "post"
    request_id, message = sp.create_logout_request(
        args["destination"], args["idpEntityID"], name_id=name_id, session_indexes=[args["sessionIndex"]],
        sign=post, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    if post:
        return {"id": request_id, "SAMLRequest": base64.b64encode(str(message).encode()).decode(), "RelayState": args["relayState"]}
    info = sp.apply_binding(BINDING_HTTP_REDIRECT, str(message), args["destination"], relay_state=args["relayState"],
                            sign=True, sigalg=SIG_RSA_SHA256)
    return {"id": request_id, "url": dict(info["headers"])["Location"]}


def verify(args):
    sp = client(args)
    certificate = bridge_certificate(args)
    results = []
    for message in args["messages"]:
        result = {}
        if message["binding"] == "redirect":
            fields = {k: v[0] for k, v in parse.parse_qs(message["query"], keep_blank_values=True).items()}
            parameter = "SAMLRequest" if "SAMLRequest" in fields else "SAMLResponse"
            result["signatureValid"] = verify_redirect_signature(fields, RSACrypto(None), cert=certificate)
            encoded, binding = fields[parameter], BINDING_HTTP_REDIRECT
            xml = decode_base64_and_inflate(encoded)
        else:
            parameter, encoded, binding = message["parameter"], message["value"], BINDING_HTTP_POST
            xml = base64.b64decode(encoded)
            check = sp.sec.correctly_signed_logout_request if parameter == "SAMLRequest" else sp.sec.correctly_signed_logout_response
            result["signatureValid"] = bool(check(xml, must=True))
        if parameter == "SAMLRequest":
            parsed = sp.parse_logout_request(encoded, binding)
            result.update(kind="LogoutRequest", issuer=parsed.message.issuer.text, nameID=parsed.message.name_id.text,
                          sessionIndexes=[s.text for s in parsed.message.session_index])
        else:
            parsed = sp.parse_logout_request_response(encoded, binding)
            result.update(kind="LogoutResponse", issuer=parsed.response.issuer.text, inResponseTo=parsed.response.in_response_to,
                          status=parsed.response.status.status_code.value)
        results.append(result)
    return results


if __name__ == "__main__":
    arguments = json.loads(sys.argv[1])
    command = {"request": request, "verify": verify}[arguments["command"]]
    print(json.dumps(command(arguments)))

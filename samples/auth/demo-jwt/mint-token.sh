#!/usr/bin/env bash
# Mints a short-lived RS256 token for samples/auth/jwt-secret.yaml, signed with the DEMO key next to this script.
# The demo key is public (it is in this repository): never trust it outside a laptop. Needs only bash and openssl.
#   samples/auth/demo-jwt/mint-token.sh [subject] [scope] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
subject=${1:-demo-client}
scope=${2:-orders:read}
ttl=${3:-600}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"https://demo.konnect.dev/","aud":"demo-api","sub":"%s","scope":"%s","iat":%d,"nbf":%d,"exp":%d}' \
  "$subject" "$scope" "$now" "$now" "$((now + ttl))" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$here/demo-private-key.pem" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"

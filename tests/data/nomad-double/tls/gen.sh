#!/bin/sh
# Regenerates the test-only CA, server and client certificates (valid for 100 years).
# The keys are published on purpose: they protect nothing but the tests' double.
set -eu
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
  -subj "/CN=nomad-build test CA" -keyout ca-key.pem -out ca.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=server.global.nomad" -keyout server-key.pem -out server.csr
printf 'subjectAltName=DNS:server.global.nomad\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days "$days" \
  -extfile server.ext -out server.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=nomad-build test client" -keyout client-key.pem -out client.csr
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days "$days" \
  -extfile client.ext -out client.pem
rm -f server.csr client.csr server.ext client.ext ca.srl ca-key.pem

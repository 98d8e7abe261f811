#!/usr/bin/env bash
# Installs what teng needs to build and test (Debian 12 / Ubuntu packages),
# then configures and builds it in ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

pkgs=(cmake make gcc pkg-config libdpdk-dev libluajit-5.1-dev luajit
      libnuma-dev libcmocka-dev python3
      # the network tests (tests/net): peers, load, capture, namespaces
      nginx wrk curl tshark iproute2 ethtool procps psmisc iputils-ping
      redis-server redis-tools nftables python3-scapy
      # the results' outputs: the Prometheus endpoint (libmicrohttpd), its
      # parser, DPDK's telemetry client and dumpcap, the HTML report's
      # browser test, the terminal display's test
      libmicrohttpd-dev python3-prometheus-client dpdk dpdk-dev chromium chromium-driver
      python3-selenium tmux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  # tshark asks whether non-root users may capture: no, and don't ask.
  echo "wireshark-common wireshark-common/install-setuid boolean false" \
    | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

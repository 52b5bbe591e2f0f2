#!/usr/bin/env bash
# build-openfaas.sh OUT: build the OpenFaaS stack faasd 0.9.5 runs, from its public sources, into
# OUT (what $TCZBUILD_OPENFAAS_DIR, `npm run demo -- --openfaas OUT` and the faasd box test take):
#   OUT/bin/faasd, OUT/bin/faas-cli                     static Go binaries
#   OUT/images/NAME_TAG.tar                             one OCI image archive per image
#   OUT/images/digests.txt                              {"ref": …, "digest": …} per line
# The images are the ones faasd 0.9.5's docker-compose.yaml names (gateway and basic-auth-plugin
# 0.18.18, queue-worker 0.11.2, nats-streaming 0.11.2, prometheus v2.14.0) plus a classic-watchdog
# function, faas3/sha512sum:0.1 (fprocess=sha512sum on BusyBox), built the way each upstream
# Dockerfile lays them out: the same user, working directory, entrypoint, command and ports, on a
# minimal root (passwd, group, CA certificates) instead of an Alpine base.
#
# Needs: root (image files get their owners), git, Go (Debian's golang-go 1.19 works), tar, gzip,
# sha256sum, busybox-static, and the network (GitHub and the Go module proxy). About 15 minutes on
# 2 cores, most of it Prometheus. Digests differ from upstream's images: never put them in recipes/
# (the tests copy the recipe and pin against a registry loaded from OUT).
#
# Without Go: after `tczbuild pin faasd` the recipe uses upstream's release binaries and images.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/build-openfaas.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
for tool in git go tar gzip sha256sum busybox; do
  command -v "$tool" >/dev/null || { echo "build-openfaas: $tool not found" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build-openfaas: run as root: image files are owned by the users the images run as" >&2; exit 1; }
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" | grep -q 'statically linked' || { echo "build-openfaas: $BUSYBOX is not static (apt-get install busybox-static)" >&2; exit 1; }

export CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS="" GOPATH="$WORK/gopath" GOCACHE="$WORK/gocache"
BIN=$WORK/bin
mkdir -p "$BIN" "$OUT/bin" "$OUT/images"
# One date for every file in every image, so two runs give the same digests.
EPOCH=1595236766

# clone NAME TAG DIR: the upstream repository github.com/NAME at tag TAG.
clone() {
  git clone -q --depth 1 --branch "$2" "https://github.com/$1.git" "$3"
  git -C "$3" rev-parse HEAD
}

gopath_src() { echo "$GOPATH/src/github.com/$1"; }

# --- Go binaries: each with the flags of its upstream Makefile or Dockerfile ------------
FAASD=$(gopath_src openfaas/faasd)
rev=$(clone openfaas/faasd 0.9.5 "$FAASD")
(cd "$FAASD" && GO111MODULE=off go build -a -installsuffix cgo -ldflags "-s -w -X main.Version=0.9.5 -X main.GitCommit=$rev" -o "$OUT/bin/faasd")

FAAS=$(gopath_src openfaas/faas)
rev=$(clone openfaas/faas 0.18.18 "$FAAS")
(cd "$FAAS/gateway" && GO111MODULE=off go build -a -installsuffix cgo -ldflags "-s -w -X github.com/openfaas/faas/gateway/version.GitCommitSHA=$rev -X github.com/openfaas/faas/gateway/version.Version=0.18.18 -X github.com/openfaas/faas/gateway/types.Arch=x86_64" -o "$BIN/gateway" .)
(cd "$FAAS/auth/basic-auth" && GO111MODULE=off go build -a -installsuffix cgo -ldflags "-s -w" -o "$BIN/basic-auth" .)
(cd "$FAAS/watchdog" && GO111MODULE=off go build -a -installsuffix cgo -ldflags "-s -w -X main.GitCommit=$rev -X main.Version=0.18.18" -o "$BIN/fwatchdog" .)

QW=$(gopath_src openfaas/nats-queue-worker)
rev=$(clone openfaas/nats-queue-worker 0.11.2 "$QW")
(cd "$QW" && GO111MODULE=off go build -a -installsuffix cgo -ldflags "-s -w -X github.com/openfaas/nats-queue-worker/version.GitCommit=$rev -X github.com/openfaas/nats-queue-worker/version.Version=0.11.2" -o "$BIN/queue-worker" .)

NATS=$(gopath_src nats-io/nats-streaming-server)
rev=$(clone nats-io/nats-streaming-server v0.11.2 "$NATS")
(cd "$NATS" && GO111MODULE=off go build -a -tags netgo -installsuffix netgo -ldflags "-s -w -X github.com/nats-io/nats-streaming-server/version.GITCOMMIT=${rev:0:7}" -o "$BIN/nats-streaming-server" .)

CLI=$WORK/faas-cli
rev=$(clone openfaas/faas-cli 0.12.14 "$CLI")
(cd "$CLI" && GO111MODULE=on go build -mod=vendor -a -installsuffix cgo -ldflags "-s -w -X github.com/openfaas/faas-cli/version.GitCommit=$rev -X github.com/openfaas/faas-cli/version.Version=0.12.14 -X github.com/openfaas/faas-cli/commands.Platform=x86_64" -o "$OUT/bin/faas-cli")

PROM=$WORK/prometheus
rev=$(clone prometheus/prometheus v2.14.0 "$PROM")
(
  cd "$PROM"
  # reflect2 before 1.0.2 crashes with Go >= 1.18; the rest of the vendored tree is unchanged.
  GO111MODULE=on go get github.com/modern-go/reflect2@v1.0.2
  GO111MODULE=on go mod vendor
  # the web UI's static files compiled in (upstream's `make assets`, without rebuilding the UI)
  (cd web/ui && GO111MODULE=on GOFLAGS=-mod=vendor go generate -x -v)
  ld="-X github.com/prometheus/common/version.Version=2.14.0 -X github.com/prometheus/common/version.Revision=$rev -X github.com/prometheus/common/version.Branch=HEAD"
  GO111MODULE=on go build -mod=vendor -a -tags netgo,builtinassets -ldflags "$ld" -o "$BIN/prometheus" ./cmd/prometheus
  GO111MODULE=on go build -mod=vendor -a -tags netgo,builtinassets -ldflags "$ld" -o "$BIN/promtool" ./cmd/promtool
)

# --- OCI images -------------------------------------------------------------------------
# base ROOT: the files Alpine's base gave these images that they use: passwd and group with
# Alpine's `adduser -S app` (uid 100, gid 101) and nobody, CA certificates, a sticky /tmp.
base() {
  mkdir -p "$1/etc/ssl/certs" "$1/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\napp:x:100:101:app:/home/app:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:root\nnobody:x:65534:\napp:x:101:app\n' >"$1/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/"
  chmod 1777 "$1/tmp"
}

# blob FILE: store FILE under its sha256 in the layout being built, print "sha256:HEX SIZE".
blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mkdir -p "$LAYOUT/blobs/sha256"
  cp "$1" "$LAYOUT/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# image NAME TAG REF ROOT CONFIG_JSON: one layer from ROOT, OCI manifest and index, archived as
# OUT/images/NAME_TAG.tar; CONFIG_JSON is the image's "config" object (User, Cmd, …).
image() {
  local name=$1 tag=$2 ref=$3 root=$4 config=$5 layer diff cfg man
  LAYOUT=$WORK/layout-$name
  rm -rf "$LAYOUT"
  mkdir -p "$LAYOUT"
  find "$root" -exec touch -h -d "@$EPOCH" {} +
  tar -C "$root" --sort=name --numeric-owner --mtime="@$EPOCH" -cf "$WORK/$name.layer.tar" .
  diff=sha256:$(sha256sum "$WORK/$name.layer.tar" | cut -d' ' -f1)
  gzip -9n <"$WORK/$name.layer.tar" >"$WORK/$name.layer.tar.gz"
  layer=$(blob "$WORK/$name.layer.tar.gz")
  printf '{"architecture":"amd64","os":"linux","created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)" "$config" "$diff" >"$WORK/$name.config.json"
  cfg=$(blob "$WORK/$name.config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "${cfg% *}" "${cfg#* }" "${layer% *}" "${layer#* }" >"$WORK/$name.manifest.json"
  man=$(blob "$WORK/$name.manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "${man% *}" "${man#* }" "$ref" "$tag" >"$LAYOUT/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$LAYOUT/oci-layout"
  tar -C "$LAYOUT" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$EPOCH" -cf "$OUT/images/${name}_$tag.tar" oci-layout index.json blobs
  printf '{"ref": "%s", "digest": "%s"}\n' "$ref" "${man% *}" >>"$OUT/images/digests.txt"
}

ENV='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
: >"$OUT/images/digests.txt"

R=$WORK/root-gateway; base "$R"
install -D -m 0755 -o 100 -g 101 "$BIN/gateway" "$R/home/app/gateway"
cp -a "$FAAS/gateway/assets" "$R/home/app/assets" && chown -R 100:101 "$R/home/app"
image gateway 0.18.18 docker.io/openfaas/gateway:0.18.18 "$R" "{\"User\":\"app\",\"WorkingDir\":\"/home/app\",$ENV,\"Cmd\":[\"./gateway\"],\"ExposedPorts\":{\"8080/tcp\":{},\"8082/tcp\":{}}}"

R=$WORK/root-basic-auth; base "$R"
install -D -m 0755 -o 100 -g 101 "$BIN/basic-auth" "$R/home/app/handler"
image basic-auth-plugin 0.18.18 docker.io/openfaas/basic-auth-plugin:0.18.18 "$R" "{\"User\":\"app\",\"WorkingDir\":\"/home/app\",$ENV,\"Cmd\":[\"./handler\"],\"ExposedPorts\":{\"8080/tcp\":{}}}"

R=$WORK/root-queue-worker; base "$R"
install -D -m 0755 -o 100 -g 101 "$BIN/queue-worker" "$R/home/app/app"
image queue-worker 0.11.2 docker.io/openfaas/queue-worker:0.11.2 "$R" "{\"User\":\"app\",\"WorkingDir\":\"/home/app\",$ENV,\"Cmd\":[\"./app\"],\"ExposedPorts\":{\"8080/tcp\":{}}}"

R=$WORK/root-nats; base "$R"
install -D -m 0755 "$BIN/nats-streaming-server" "$R/nats-streaming-server"
image nats-streaming 0.11.2 docker.io/library/nats-streaming:0.11.2 "$R" "{$ENV,\"Entrypoint\":[\"/nats-streaming-server\"],\"Cmd\":[\"-m\",\"8222\"],\"ExposedPorts\":{\"4222/tcp\":{},\"8222/tcp\":{}}}"

R=$WORK/root-prometheus; base "$R"
install -D -m 0755 "$BIN/prometheus" "$R/bin/prometheus"
install -D -m 0755 "$BIN/promtool" "$R/bin/promtool"
install -D -m 0644 "$PROM/documentation/examples/prometheus.yml" "$R/etc/prometheus/prometheus.yml"
mkdir -p "$R/usr/share/prometheus" "$R/prometheus"
cp -a "$PROM/console_libraries" "$PROM/consoles" "$R/usr/share/prometheus/"
chown 65534:65534 "$R/prometheus"
image prometheus v2.14.0 docker.io/prom/prometheus:v2.14.0 "$R" "{\"User\":\"nobody\",\"WorkingDir\":\"/prometheus\",$ENV,\"Entrypoint\":[\"/bin/prometheus\"],\"Cmd\":[\"--config.file=/etc/prometheus/prometheus.yml\",\"--storage.tsdb.path=/prometheus\",\"--web.console.libraries=/usr/share/prometheus/console_libraries\",\"--web.console.templates=/usr/share/prometheus/consoles\"],\"ExposedPorts\":{\"9090/tcp\":{}}}"

# the function: the classic watchdog runs fprocess (sha512sum) per request, as user app
R=$WORK/root-sha512sum; base "$R"
install -D -m 0755 "$BUSYBOX" "$R/bin/busybox"
"$BUSYBOX" --list-full | while read -r app; do
  [ -e "$R/$app" ] || { mkdir -p "$R/$(dirname "$app")"; ln -s /bin/busybox "$R/$app"; }
done
install -D -m 0755 "$BIN/fwatchdog" "$R/usr/bin/fwatchdog"
install -d -o 100 -g 101 "$R/home/app"
image sha512sum 0.1 docker.io/faas3/sha512sum:0.1 "$R" "{\"User\":\"app\",\"WorkingDir\":\"/home/app\",\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"fprocess=sha512sum\"],\"Cmd\":[\"fwatchdog\"],\"ExposedPorts\":{\"8080/tcp\":{}}}"

(cd "$OUT" && sha256sum bin/* images/*.tar >SHA256SUMS)
echo "build-openfaas: done: $OUT (use it with TCZBUILD_OPENFAAS_DIR=$OUT or npm run demo -- --openfaas $OUT)"

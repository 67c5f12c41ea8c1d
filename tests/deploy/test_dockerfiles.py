"""The four Dockerfiles: hadolint finds nothing, and they keep the shape docs/deploy.md describes.

No container engine runs here, so the images are not built; hadolint (pinned, from the venv) and
these structural checks are what keeps the files honest.
"""
import os
import re
import subprocess

import pytest
import yaml

from conftest import K8S, ROOT, SERVICES, venv_tool

DOCKERFILES = {name: os.path.join(ROOT, "services", name, "Dockerfile") for name in SERVICES}


def hadolint(path):
    # Every level counts, down to style: a finding is fixed or ignored in the file with a reason.
    return subprocess.run(
        [venv_tool("hadolint"), "--no-color", "--failure-threshold", "style", path],
        capture_output=True, text=True, timeout=60,
    )


def stages(path):
    """[(FROM line, [instructions])] with continuation lines joined and comments dropped."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", text)
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append((line, []))
        else:
            result[-1][1].append(line)
    return result


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_finds_nothing(service):
    proc = hadolint(DOCKERFILES[service])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    # The linter is not a rubber stamp: an unpinned base and unpinned packages fail it.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y libpq5\n")
    proc = hadolint(str(bad))
    assert proc.returncode != 0
    assert "DL3007" in proc.stdout  # latest
    assert "DL3008" in proc.stdout  # apt versions not pinned


@pytest.mark.parametrize("service", SERVICES)
def test_build_and_runtime_stages(service):
    found = stages(DOCKERFILES[service])
    build = [s for s in found if s[0].startswith("FROM swift:")]
    assert len(build) == 1, "one build stage on the Swift toolchain image"
    assert re.fullmatch(r"FROM swift:6\.3\.1-bookworm AS build", build[0][0]), build[0][0]
    runs = " ".join(i for i in build[0][1] if i.startswith("RUN "))
    assert f"swift build -c release --static-swift-stdlib --product {service}" in runs
    runtime_from, runtime = found[-1]
    assert re.fullmatch(r"FROM debian:12\.\d+-slim", runtime_from), f"runtime stage: {runtime_from}"
    users = [i for i in runtime if i.startswith("USER ")]
    assert users and re.fullmatch(r"USER 10001(:10001)?", users[-1]), "the runtime runs as a numeric non-root user"
    assert runtime[-1].startswith("ENTRYPOINT ["), "exec-form entrypoint, so SIGTERM reaches the service"
    text = " ".join(runtime)
    assert "ldd" in text and "not found" in text, "the build checks that every shared library resolves"
    for instruction in runtime:
        if instruction.startswith(("ENV ", "ARG ")):
            assert not re.search(r"(PASSWORD|TOKEN|API_KEYS?|HASH_KEY|DATABASE_URL|SECRET)=", instruction), instruction


@pytest.mark.parametrize("service", SERVICES)
def test_exposed_ports_are_the_deployment_ports(service):
    exposed = set()
    for instruction in stages(DOCKERFILES[service])[-1][1]:
        if instruction.startswith("EXPOSE "):
            exposed |= {int(p.split("/")[0]) for p in instruction.split()[1:]}
    with open(os.path.join(K8S, "base", service, "deployment.yaml"), encoding="utf-8") as f:
        deployment = yaml.safe_load(f)
    ports = {p["containerPort"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
    assert exposed == ports


# --- the runtime libraries follow Package.swift ----------------------------------------------

# Each C library a target links (`link` in a Sources/C*/module.modulemap, or .linkedLibrary in
# Package.swift) → the Debian 12 packages that provide it: (to build against, at run time; None
# when every image already has it). A library missing here fails
# test_every_linked_library_is_known: decide which packages bring it, and the checks below then
# demand them in the images of the services that link it.
DEBIAN_PACKAGES = {
    "nghttp2": ("libnghttp2-dev", "libnghttp2-14"),
    "protobuf-c": ("libprotobuf-c-dev", "libprotobuf-c1"),
    "pq": ("libpq-dev", "libpq5"),
    "crypto": ("libssl-dev", "libssl3"),
    "pocketsphinx": ("libpocketsphinx-dev", "libpocketsphinx3"),
    "sphinxbase": ("libsphinxbase-dev", "libsphinxbase3"),
    "sphinxad": ("libsphinxbase-dev", "libsphinxbase3"),
    "flite": ("flite1-dev", "libflite1"),
    "flite_cmulex": ("flite1-dev", "libflite1"),
    "flite_usenglish": ("flite1-dev", "libflite1"),
    "speexdsp": ("libspeexdsp-dev", "libspeexdsp1"),
    "openblas": ("libopenblas-dev", "libopenblas0-pthread"),
    "websockets": ("libwebsockets-dev", "libwebsockets17"),
    "resolv": (None, None),  # glibc (libc6-dev, libc6): in every image already
    "m": (None, None),
    "mvec": (None, None),
}


def package_targets():
    """Package.swift's targets: name → (dependencies, libraries it links)."""
    text = open(os.path.join(ROOT, "Package.swift"), encoding="utf-8").read()
    starts = [m.start() for m in re.finditer(r'\bname:\s*"', text)]
    targets = {}
    for start, end in zip(starts, starts[1:] + [len(text)]):
        chunk = text[start:end]
        name = re.match(r'name:\s*"([^"]+)"', chunk).group(1)
        deps = re.search(r"dependencies:\s*\[([^\]]*)\]", chunk)
        links = set(re.findall(r'\.linkedLibrary\("([^"]+)"\)', chunk))
        modulemap = os.path.join(ROOT, "Sources", name, "module.modulemap")
        if os.path.exists(modulemap):
            links |= set(re.findall(r'link\s+"([^"]+)"', open(modulemap, encoding="utf-8").read()))
        targets[name] = (re.findall(r'"([^"]+)"', deps.group(1)) if deps else [], links)
    return targets


def linked_libraries(product):
    targets, seen, todo, links = package_targets(), set(), [product], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in targets:
            continue
        seen.add(name)
        deps, own = targets[name]
        links |= own
        todo += deps
    return links


def installed_packages(stage):
    """Debian packages a stage installs (name=version pins)."""
    runs = " ".join(i for i in stage[1] if i.startswith("RUN "))
    return set(re.findall(r"([a-z0-9][a-z0-9.+-]+)=[0-9][^\s]*", runs))


def test_every_linked_library_is_known():
    links = set().union(*(linked_libraries(service) for service in SERVICES))
    assert links, "no libraries found: the Package.swift parser broke"
    unknown = sorted(links - set(DEBIAN_PACKAGES))
    assert not unknown, f"add these libraries to DEBIAN_PACKAGES: {unknown}"


@pytest.mark.parametrize("service", SERVICES)
def test_images_have_the_linked_libraries(service):
    found = stages(DOCKERFILES[service])
    links = linked_libraries(service)
    for index, stage in ((0, "build"), (-1, "runtime")):
        needed = {DEBIAN_PACKAGES[lib][index] for lib in links if lib in DEBIAN_PACKAGES} - {None}
        missing = needed - installed_packages(found[index])
        assert not missing, f"the {stage} stage lacks {sorted(missing)}"
    assert "pkg-config" in installed_packages(found[0])

"""The deployment policy, checked on rendered manifests (the output of `kubectl kustomize`).

`check(docs)` takes the parsed YAML documents of one render and returns the violations, one
readable sentence each; an empty list means the render follows the policy. test_policy.py runs
it on every overlay, and on deliberately broken copies to show that each rule bites.

The rules (docs/deploy.md explains the why):
- every container: resource requests and limits (CPU and memory), a non-root numeric user, a
  read-only root filesystem, no privilege escalation, all capabilities dropped, the
  RuntimeDefault seccomp profile, a pinned image (a tag other than `latest`, or a digest);
- every long-running container: readiness and liveness probes whose ports are its own;
- every Deployment: a preStop hook, terminationGracePeriodSeconds >= preStop sleep + shutdown
  grace (+ MIN_MARGIN_SECONDS), no replicas field, an HPA and a PodDisruptionBudget;
- pods: no service-link environment variables (they share our flags' prefixes) and no
  service-account token; secrets only through Secret references;
- Services with a gRPC port are headless, and every Service selects some pod;
- NetworkPolicies: every pod is isolated for Ingress and for Egress; between the pods of the
  namespace exactly the paths of the design are open (ALLOWED_PATHS); from outside the
  namespace only the gateway takes traffic (besides Prometheus on the metrics ports); to
  outside the namespace only DNS, and PostgreSQL's port for the database clients; only the
  database clients reach PostgreSQL at all.
"""

import copy
import re
from dataclasses import dataclass, field

NAME_LABEL = "app.kubernetes.io/name"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
LONG_RUNNING_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}
WORKLOAD_KINDS = LONG_RUNNING_KINDS | {"Job", "CronJob"}

# The pod that takes traffic from outside the namespace (the ingress controller's).
PUBLIC_APP = "gateway"
# Where Prometheus runs; it may scrape the metrics ports and nothing else.
MONITORING_NAMESPACE = "monitoring"
# The in-cluster PostgreSQL (dev), and the pods that may talk to a PostgreSQL anywhere.
DATABASE_APP = "postgres"
DATABASE_PORT = 5432
DATABASE_CLIENTS = {"rec-svc", "rec-svc-migrate", "rec-svc-load-demo"}
DNS_PORT = 53
# (from app, to app, port): the calls of the design. Every other pod-to-pod path is closed.
ALLOWED_PATHS = {
    ("gateway", "asr-svc", 50061),
    ("gateway", "nlu-svc", 50062),
    ("gateway", "rec-svc", 50063),
    ("asr-svc", "rec-svc", 50063),  # Rec/Vocabulary (--rec-addr): the catalog language model
    ("nlu-svc", "rec-svc", 50063),  # Rec/Vocabulary (--rec-addr): the gazetteer
} | {(client, DATABASE_APP, DATABASE_PORT) for client in DATABASE_CLIENTS}

# The services' default --shutdown-grace-seconds (Sources/ServiceKit/ServiceOptions.swift).
DEFAULT_SHUTDOWN_GRACE_SECONDS = 25
# At least this long between the end of the drain and the kubelet's SIGKILL, for the exit.
MIN_MARGIN_SECONDS = 1
# Environment variables that carry secrets must come from a Secret, never from a literal value
# or a ConfigMap.
SECRET_NAME = re.compile(r"(PASSWORD|TOKEN|API_KEYS?|HASH_KEY|DATABASE_URL|SECRET)$")


@dataclass
class Pod:
    """A pod template of a workload, with what the network rules need."""

    kind: str
    name: str
    namespace: str
    labels: dict
    annotations: dict
    spec: dict
    workload: dict = field(repr=False)

    @property
    def app(self):
        return self.labels.get(NAME_LABEL, self.name)

    @property
    def where(self):
        return f"{self.kind}/{self.name}"

    def containers(self, init=True):
        found = list(self.spec.get("containers") or [])
        if init:
            found += self.spec.get("initContainers") or []
        return found

    def ports(self):
        """(number, name, protocol) of every container port."""
        return [
            (p["containerPort"], p.get("name"), p.get("protocol", "TCP"))
            for c in self.containers()
            for p in c.get("ports") or []
        ]


def pod_template(doc):
    if doc.get("kind") == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    return doc["spec"]["template"]


def pods_of(docs):
    pods = []
    for doc in docs:
        if doc.get("kind") in WORKLOAD_KINDS:
            template = pod_template(doc)
            metadata = template.get("metadata") or {}
            pods.append(
                Pod(
                    kind=doc["kind"],
                    name=doc["metadata"]["name"],
                    namespace=doc["metadata"].get("namespace", "default"),
                    labels=metadata.get("labels") or {},
                    annotations=metadata.get("annotations") or {},
                    spec=template.get("spec") or {},
                    workload=doc,
                )
            )
    return pods


def matches(selector, labels):
    """Whether a Kubernetes label selector (matchLabels and matchExpressions) selects labels."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def image_is_pinned(image):
    """A digest, or a tag that is not `latest` (a registry port is not a tag)."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    return last.split(":", 1)[1] not in ("", "latest")


# --- containers ---------------------------------------------------------------------------


def effective(container, pod_spec, key):
    """A securityContext field, from the container or else from the pod."""
    value = (container.get("securityContext") or {}).get(key)
    if value is None:
        value = (pod_spec.get("securityContext") or {}).get(key)
    return value


def container_env(container, configmaps):
    """The container's environment: envFrom ConfigMaps first, then env values."""
    env = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref and ref["name"] in configmaps:
            env.update(configmaps[ref["name"]].get("data") or {})
    for variable in container.get("env") or []:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
    return env


def prestop_sleep_seconds(container):
    """Seconds the preStop hook sleeps (`sleep N` exec or the sleep action), or None."""
    pre_stop = (container.get("lifecycle") or {}).get("preStop")
    if not pre_stop:
        return None
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"]["seconds"])
    command = (pre_stop.get("exec") or {}).get("command") or []
    if len(command) == 2 and command[0].rsplit("/", 1)[-1] == "sleep":
        return int(float(command[1]))
    return 0  # another hook: it takes an unknown time, counted as none


def check_containers(pods, configmaps):
    problems = []
    for pod in pods:
        spec = pod.spec
        if spec.get("enableServiceLinks") is not False:
            problems.append(
                f"{pod.where}: enableServiceLinks must be false (service links add variables "
                "such as REC_SVC_PORT to the environment, where the services read their flags)"
            )
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{pod.where}: automountServiceAccountToken must be false (no pod calls the API server)")
        for container in pod.containers():
            where = f"{pod.where} container {container['name']}"
            image = container.get("image", "")
            if not image_is_pinned(image):
                problems.append(f"{where}: image '{image}' is not pinned (needs a tag other than latest, or a digest)")
            resources = container.get("resources") or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (resources.get(part) or {}):
                        problems.append(f"{where}: no {part}.{resource}")
            if effective(container, spec, "runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            user = effective(container, spec, "runAsUser")
            if not isinstance(user, int) or isinstance(user, bool) or user <= 0:
                problems.append(f"{where}: runAsUser must be a numeric non-root user, not {user!r}")
            context = container.get("securityContext") or {}
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if context.get("privileged"):
                problems.append(f"{where}: privileged")
            if "ALL" not in ((context.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if (context.get("capabilities") or {}).get("add"):
                problems.append(f"{where}: capabilities are added")
            seccomp = effective(container, spec, "seccompProfile") or {}
            if seccomp.get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            for variable in container.get("env") or []:
                if SECRET_NAME.search(variable["name"]) and "secretKeyRef" not in (variable.get("valueFrom") or {}):
                    problems.append(f"{where}: {variable['name']} must come from a Secret (secretKeyRef)")
        problems += check_probes(pod)
        if pod.kind == "Deployment":
            problems += check_termination(pod, configmaps)
        port = pod.annotations.get("prometheus.io/port")
        if port is not None and int(port) not in {number for number, _, _ in pod.ports()}:
            problems.append(f"{pod.where}: prometheus.io/port {port} is not a container port")
    return problems


def probe_port(probe):
    for handler in ("grpc", "httpGet", "tcpSocket"):
        if handler in probe:
            return handler, probe[handler].get("port")
    return None, None


def check_probes(pod):
    problems = []
    for container in pod.containers(init=False):
        where = f"{pod.where} container {container['name']}"
        if pod.kind in LONG_RUNNING_KINDS:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{where}: no {probe}")
        numbers = {p["containerPort"] for p in container.get("ports") or []}
        names = {p.get("name") for p in container.get("ports") or []} - {None}
        for name in ("startupProbe", "readinessProbe", "livenessProbe"):
            handler, port = probe_port(container.get(name) or {})
            if handler is None:
                continue
            if handler == "grpc" and not isinstance(port, int):
                problems.append(f"{where}: {name} grpc port must be a number, not {port!r}")
            elif port not in numbers and port not in names:
                problems.append(f"{where}: {name} probe port {port!r} is not one of the container's ports")
    return problems


def check_termination(pod, configmaps):
    problems = []
    grace_period = pod.spec.get("terminationGracePeriodSeconds", 30)
    for container in pod.containers(init=False):
        where = f"{pod.where} container {container['name']}"
        sleep = prestop_sleep_seconds(container)
        if sleep is None:
            problems.append(f"{where}: no preStop hook (the pod must keep serving while endpoints drop it)")
            sleep = 0
        env = container_env(container, configmaps)
        graces = [int(v) for k, v in env.items() if k.endswith("_SHUTDOWN_GRACE_SECONDS")]
        grace = max(graces) if graces else DEFAULT_SHUTDOWN_GRACE_SECONDS
        if grace_period < sleep + grace + MIN_MARGIN_SECONDS:
            problems.append(
                f"{where}: terminationGracePeriodSeconds {grace_period} < preStop sleep {sleep} + "
                f"shutdown grace {grace} + margin {MIN_MARGIN_SECONDS}: the drain would be cut by SIGKILL"
            )
    return problems


# --- scaling and Services -----------------------------------------------------------------


def check_scaling(docs, pods):
    problems = []
    hpas = [d for d in docs if d.get("kind") == "HorizontalPodAutoscaler"]
    pdbs = [d for d in docs if d.get("kind") == "PodDisruptionBudget"]
    deployments = {p.name: p for p in pods if p.kind == "Deployment"}
    for name, pod in deployments.items():
        if "replicas" in pod.workload["spec"]:
            problems.append(f"Deployment/{name}: sets replicas, which every apply would reset under its HPA")
        targeting = [
            h for h in hpas
            if (h["spec"]["scaleTargetRef"].get("kind"), h["spec"]["scaleTargetRef"].get("name"))
            == ("Deployment", name)
        ]
        if not targeting:
            problems.append(f"Deployment/{name}: no HorizontalPodAutoscaler targets it")
        for hpa in targeting:
            low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            if not 1 <= low <= high:
                problems.append(
                    f"HorizontalPodAutoscaler/{hpa['metadata']['name']}: minReplicas {low} / maxReplicas {high}"
                )
        if not any(matches(p["spec"].get("selector"), pod.labels) for p in pdbs):
            problems.append(f"Deployment/{name}: no PodDisruptionBudget selects its pods")
    for hpa in hpas:
        if hpa["spec"]["scaleTargetRef"].get("name") not in deployments:
            problems.append(f"HorizontalPodAutoscaler/{hpa['metadata']['name']}: targets no Deployment of this render")
    return problems


def check_services(docs, pods):
    problems = []
    for service in (d for d in docs if d.get("kind") == "Service"):
        name, spec = service["metadata"]["name"], service["spec"]
        selector = spec.get("selector")
        if selector and not any(all(p.labels.get(k) == v for k, v in selector.items()) for p in pods):
            problems.append(f"Service/{name}: its selector {selector} selects no pod")
        if any(port.get("name") == "grpc" for port in spec.get("ports") or []) and spec.get("clusterIP") != "None":
            problems.append(
                f"Service/{name}: serves gRPC but is not headless (clusterIP: None); a cluster IP "
                "would pin each caller's HTTP/2 connection to one pod"
            )
    return problems


def check_configmaps(configmaps):
    return [
        f"ConfigMap/{name}: {key} looks like a secret; it belongs in the Secret"
        for name, configmap in configmaps.items()
        for key in configmap.get("data") or {}
        if SECRET_NAME.search(key)
    ]


# --- network policies ---------------------------------------------------------------------


@dataclass
class Policy:
    name: str
    namespace: str
    selector: dict
    types: list
    ingress: list
    egress: list


def policies_of(docs):
    found = []
    for doc in docs:
        if doc.get("kind") != "NetworkPolicy":
            continue
        spec = doc.get("spec") or {}
        types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))
        found.append(
            Policy(
                name=doc["metadata"]["name"],
                namespace=doc["metadata"].get("namespace", "default"),
                selector=spec.get("podSelector") or {},
                types=types,
                ingress=spec.get("ingress") or [],
                egress=spec.get("egress") or [],
            )
        )
    return found


def selecting(policies, pod, direction):
    return [
        p for p in policies
        if p.namespace == pod.namespace and direction in p.types and matches(p.selector, pod.labels)
    ]


def peers(rule, direction):
    """A rule's peers; None stands for "any peer" (no from/to given)."""
    listed = rule.get("from" if direction == "Ingress" else "to")
    return listed if listed else [None]


def peer_is_outside(peer, namespace):
    """Whether a peer admits anything beyond the pods of this namespace."""
    if peer is None or "ipBlock" in peer:
        return True
    if "namespaceSelector" in peer:
        return peer["namespaceSelector"] != {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}
    return False


def peer_matches_pod(peer, pod, namespace_labels):
    """Whether a peer may be this pod (ipBlocks are assumed to cover pod addresses too)."""
    if peer is None or "ipBlock" in peer:
        return True
    if "namespaceSelector" in peer and not matches(peer["namespaceSelector"], namespace_labels):
        return False
    if "podSelector" in peer:
        return matches(peer["podSelector"], pod.labels)
    return True


def rule_allows_port(rule, number, name=None, protocol="TCP"):
    ports = rule.get("ports")
    if not ports:
        return True
    for port in ports:
        if port.get("protocol", "TCP") != protocol:
            continue
        value = port.get("port")
        if value is None:
            return True
        if isinstance(value, int) and (value == number or value <= number <= port.get("endPort", value)):
            return True
        if isinstance(value, str) and value == name:
            return True
    return False


def allowed(policies, source, target, number, name, protocol, namespace_labels):
    """Whether the policies let source open a connection to target's port."""
    def opens(rule, direction, other):
        return rule_allows_port(rule, number, name, protocol) and any(
            peer_matches_pod(peer, other, namespace_labels) for peer in peers(rule, direction)
        )

    egress = selecting(policies, source, "Egress")
    if egress and not any(opens(rule, "Egress", target) for policy in egress for rule in policy.egress):
        return False
    ingress = selecting(policies, target, "Ingress")
    if ingress and not any(opens(rule, "Ingress", source) for policy in ingress for rule in policy.ingress):
        return False
    return True


def metrics_ports(pod):
    numbers = {number for number, name, _ in pod.ports() if name == "metrics"}
    names = {"metrics"}
    if "prometheus.io/port" in pod.annotations:
        numbers.add(int(pod.annotations["prometheus.io/port"]))
        names |= {name for number, name, _ in pod.ports() if number in numbers and name}
    return numbers, names


def is_monitoring(peer):
    return (
        peer is not None
        and "ipBlock" not in peer
        and peer.get("namespaceSelector") == {"matchLabels": {NAMESPACE_NAME_LABEL: MONITORING_NAMESPACE}}
    )


def check_network_policies(docs, pods):
    problems = []
    policies = policies_of(docs)
    namespaces = {
        d["metadata"]["name"]: d["metadata"].get("labels") or {} for d in docs if d.get("kind") == "Namespace"
    }

    def namespace_labels(namespace):
        return {**namespaces.get(namespace, {}), NAMESPACE_NAME_LABEL: namespace}

    for pod in pods:
        for direction in ("Ingress", "Egress"):
            if not selecting(policies, pod, direction):
                problems.append(f"{pod.where}: no NetworkPolicy of type {direction} selects its pods")

    # Between the pods of the namespace: exactly the paths of the design.
    for source in pods:
        for target in pods:
            if source.namespace != target.namespace:
                continue
            for number, name, protocol in target.ports():
                path = (source.app, target.app, number)
                is_open = allowed(policies, source, target, number, name, protocol, namespace_labels(target.namespace))
                if is_open and path not in ALLOWED_PATHS:
                    problems.append(
                        f"{source.where} can reach {target.where} on port {number}, which the design does not call"
                    )
                if not is_open and path in ALLOWED_PATHS:
                    problems.append(
                        f"{source.where} cannot reach {target.where} on port {number}, which the design needs"
                    )

    # From outside the namespace: the gateway's HTTP port (the ingress controller), and
    # Prometheus on the metrics ports.
    for pod in pods:
        http = {number for number, name, _ in pod.ports() if name == "http"}
        scrape_numbers, scrape_names = metrics_ports(pod)
        for policy in selecting(policies, pod, "Ingress"):
            for rule in policy.ingress:
                listed = rule.get("ports") or []
                for peer in peers(rule, "Ingress"):
                    if not peer_is_outside(peer, pod.namespace):
                        continue
                    if pod.app == PUBLIC_APP and listed and all(p.get("port") in http | {"http"} for p in listed):
                        continue
                    scrape = scrape_numbers | scrape_names
                    if is_monitoring(peer) and listed and all(p.get("port") in scrape for p in listed):
                        continue
                    problems.append(
                        f"NetworkPolicy/{policy.name}: lets traffic from outside the namespace into {pod.where} "
                        f"(ports {[p.get('port') for p in listed] or 'all'}); only the gateway's HTTP port and "
                        "Prometheus on the metrics ports may be reached from outside"
                    )

    # To outside the namespace: DNS, and PostgreSQL's port for the database clients.
    for pod in pods:
        for policy in selecting(policies, pod, "Egress"):
            for rule in policy.egress:
                if not any(peer_is_outside(peer, pod.namespace) for peer in peers(rule, "Egress")):
                    continue
                listed = rule.get("ports") or [{}]
                for port in listed:
                    value = port.get("port")
                    if value == DNS_PORT:
                        continue
                    if value == DATABASE_PORT and "endPort" not in port and pod.app in DATABASE_CLIENTS:
                        continue
                    problems.append(
                        f"NetworkPolicy/{policy.name}: lets {pod.where} connect outside the namespace on port "
                        f"{value if value is not None else 'any'}; only DNS (53) and, for the database clients, "
                        f"PostgreSQL ({DATABASE_PORT}) may leave"
                    )

    # PostgreSQL, wherever it is (a pod here, or an address outside): only the database
    # clients may open a connection to its port, and each of them must be able to.
    database_pods = [p for p in pods if p.app == DATABASE_APP]
    for pod in pods:
        if pod.app == DATABASE_APP:
            continue
        egress = selecting(policies, pod, "Egress")
        reaches = not egress or any(
            rule_allows_port(rule, DATABASE_PORT, "postgres")
            and any(
                peer is None or "ipBlock" in peer or "namespaceSelector" in peer
                or any(peer_matches_pod(peer, db, namespace_labels(db.namespace)) for db in database_pods)
                for peer in peers(rule, "Egress")
            )
            for policy in egress
            for rule in policy.egress
        )
        if reaches and pod.app not in DATABASE_CLIENTS:
            problems.append(
                f"{pod.where} may connect to PostgreSQL (port {DATABASE_PORT}); only {sorted(DATABASE_CLIENTS)} may"
            )
        if not reaches and pod.app in DATABASE_CLIENTS:
            problems.append(f"{pod.where} cannot connect to PostgreSQL (port {DATABASE_PORT}), which it needs")
    return problems


# --- everything ---------------------------------------------------------------------------


def check(docs):
    """All violations of the policy in one render (a list of parsed YAML documents)."""
    docs = [d for d in docs if d]
    pods = pods_of(docs)
    configmaps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
    return (
        check_containers(pods, configmaps)
        + check_configmaps(configmaps)
        + check_scaling(docs, pods)
        + check_services(docs, pods)
        + check_network_policies(docs, pods)
    )


def mutated(docs, kind, name, change):
    """A deep copy of docs in which change(doc) was applied to the document kind/name."""
    result = copy.deepcopy(docs)
    found = [d for d in result if d.get("kind") == kind and d["metadata"]["name"] == name]
    assert found, f"no {kind}/{name} in the render"
    for doc in found:
        change(doc)
    return result

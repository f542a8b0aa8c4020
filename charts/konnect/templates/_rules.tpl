{{/*
The rules the controller needs wherever it watches: the same list feeds the ClusterRole (every namespace) or one Role
per watched namespace. Keep it plain YAML: tests/Konnect.Chart.Tests/ChartRbacTests reads it with the actions stripped
and checks it against the requests a real `konnect run` makes. Leases are not here: they get their own Role in the
release namespace (leader-election-role.yaml); nor are IngressClasses, GatewayClasses and Namespaces, which have no
namespace (konnect.clusterRules).
*/}}
{{- define "konnect.rules" -}}
- apiGroups: [konnect.dev]
  resources: [konnectroutes, konnectpolicies, konnectconsumers]
  verbs: [get, list, watch]
- apiGroups: [konnect.dev]
  resources: [konnectroutes/status, konnectpolicies/status, konnectconsumers/status]
  verbs: [patch]
# ConfigMaps: only those labelled konnect.dev/openapi=true are listed and watched (OpenAPI documents), but RBAC
# cannot narrow a grant by label, so this grant reaches every ConfigMap where it applies.
- apiGroups: [""]
  resources: [services, secrets, configmaps]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
# Ingress v1: the Ingresses of Konnect's IngressClasses are served. The leader reads each one's status before it
# publishes the gateway's address there, through the status subresource only (never spec).
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses/status]
  verbs: [get, patch]
# The Gateway API (its CRDs are the user's; a cluster without them answers 404 and Konnect runs without them):
# Gateways, HTTPRoutes, GRPCRoutes and ReferenceGrants are read; the leader reads and patches the status of Konnect's
# Gateways, HTTPRoutes and GRPCRoutes through the status subresource only (never spec).
- apiGroups: [gateway.networking.k8s.io]
  resources: [gateways, httproutes, grpcroutes, referencegrants]
  verbs: [list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gateways/status, httproutes/status, grpcroutes/status]
  verbs: [get, patch]
# cert-manager Certificates are read even without certManager.enabled: the controller always watches them (a
# cluster without cert-manager answers 404 and routes say so), and a 403 instead would retry forever. Read-only,
# and a Certificate holds no key material (that lives in its Secret).
- apiGroups: [cert-manager.io]
  resources: [certificates]
  verbs: [list, watch]
{{- if .Values.certManager.enabled }}
# Writing them: the leader creates one Certificate per route with spec.tls.issuerRef and patches its spec.
- apiGroups: [cert-manager.io]
  resources: [certificates]
  verbs: [create, patch]
# The leader sets the route as the Certificate's owner with blockOwnerDeletion: where the
# OwnerReferencesPermissionEnforcement admission plugin is on (OpenShift), that needs update on the owner's finalizers.
- apiGroups: [konnect.dev]
  resources: [konnectroutes/finalizers]
  verbs: [update]
{{- end }}
{{- end -}}


{{/*
Rules on cluster-scoped kinds: RBAC grants them only through a ClusterRole, so with watchNamespaces they get a
ClusterRole of their own (rbac.yaml). IngressClasses, GatewayClasses and Namespaces are listed and watched
cluster-wide even when the controller watches some namespaces only: the classes say which Ingresses and Gateways are
Konnect's, and Namespaces' labels which routes a listener admits. Plain YAML, read by ChartRbacTests like konnect.rules.
*/}}
{{- define "konnect.clusterRules" -}}
- apiGroups: [networking.k8s.io]
  resources: [ingressclasses]
  verbs: [list, watch]
# GatewayClasses say which Gateways are Konnect's; the leader writes the status of Konnect's. Namespaces: their
# labels feed a Gateway listener's allowedRoutes selector.
- apiGroups: [gateway.networking.k8s.io]
  resources: [gatewayclasses]
  verbs: [list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gatewayclasses/status]
  verbs: [get, patch]
- apiGroups: [""]
  resources: [namespaces]
  verbs: [list, watch]
{{- end -}}

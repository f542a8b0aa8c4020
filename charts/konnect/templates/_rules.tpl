{{/*
The rules the controller needs wherever it watches: the same list feeds the ClusterRole (every namespace) or one Role
per watched namespace. Keep it plain YAML: tests/Konnect.Chart.Tests/ChartRbacTests reads it with the actions stripped
and checks it against the requests a real `konnect run` makes. Leases are not here: they get their own Role in the
release namespace (leader-election-role.yaml).
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

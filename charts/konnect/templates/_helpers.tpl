{{/* The name of the chart's objects: release name, plus the chart name unless the release already says it. */}}
{{- define "konnect.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "konnect.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that never change for the life of a release (Deployment/DaemonSet selectors are immutable). */}}
{{- define "konnect.selectorLabels" -}}
app.kubernetes.io/name: {{ include "konnect.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "konnect.labels" -}}
{{ include "konnect.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "konnect.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "true" when a container port below 1024 is configured: only then does the pod need to bind privileged ports. */}}
{{- define "konnect.lowPorts" -}}
{{- $ports := .Values.containerPorts -}}
{{- if or (lt (int $ports.http) 1024) (lt (int $ports.https) 1024) (lt (int $ports.admin) 1024) -}}true{{- end -}}
{{- end -}}

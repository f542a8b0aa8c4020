namespace Konnect.Api;

/// <summary>Marks a type as the root of a CustomResourceDefinition; the CRD generator reads it.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomResourceAttribute(string kind, string plural) : Attribute
{
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public string[] ShortNames { get; set; } = [];
    public string[] Categories { get; set; } = [];
}

/// <summary>An additional printer column shown by <c>kubectl get</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public string? Description { get; set; }
    public int Priority { get; set; }
}

/// <summary>A CEL rule (<c>x-kubernetes-validations</c>) checked by the API server when a rule spans fields.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true, Inherited = false)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
}

/// <summary>The field is free-form JSON (<c>x-kubernetes-preserve-unknown-fields</c>): its shape is owned by a later version.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>String formats the API server understands (<c>format</c> in the schema).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Konnect.Api.Schema;

/// <summary>
/// Builds the structural OpenAPI v3 schema of a CRD from attributed C# types. Structural means every node has a
/// type unless it is int-or-string or preserve-unknown-fields, which the API server requires before it will
/// prune, default or run CEL rules.
/// </summary>
internal sealed class SchemaBuilder
{
    // CRD schemas cannot refer to themselves, so a cycle must fail loudly rather than recurse forever.
    private readonly HashSet<Type> _inProgress = [];

    /// <summary>The schema of an object type: its properties in declaration order, required list and class-level rules.</summary>
    public JsonObject ForObject(Type type, IEnumerable<PropertyInfo>? properties = null)
    {
        if (!_inProgress.Add(type))
        {
            throw new InvalidOperationException($"CRD schema: {type.Name} contains itself; CRD schemas cannot express recursive types.");
        }
        try
        {
            var schema = new JsonObject();
            AddDescription(schema, type.GetCustomAttribute<DescriptionAttribute>());
            schema["type"] = "object";
            var props = new JsonObject();
            var required = new JsonArray();
            foreach (var property in properties ?? SerializedProperties(type))
            {
                var name = JsonName(property);
                props[name] = ForProperty(property);
                if (IsRequired(property)) { required.Add(name); }
            }
            if (props.Count > 0) { schema["properties"] = props; }
            if (required.Count > 0) { schema["required"] = required; }
            AddCelRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
            return schema;
        }
        finally
        {
            _inProgress.Remove(type);
        }
    }

    /// <summary>Public instance properties the JSON serializer writes, in declaration order (metadata tokens keep it stable).</summary>
    public static IEnumerable<PropertyInfo> SerializedProperties(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition != JsonIgnoreCondition.Always)
        .OrderBy(p => p.MetadataToken);

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    // Only an explicit Required (attribute or C# `required`) counts: a non-nullable property with an initializer
    // has a default, and marking it required would make the API server reject objects that rely on it.
    public static bool IsRequired(PropertyInfo property) =>
        property.IsDefined(typeof(RequiredAttribute)) || property.IsDefined(typeof(RequiredMemberAttribute)) ||
        property.IsDefined(typeof(JsonRequiredAttribute));

    public JsonObject ForProperty(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var schema = property.IsDefined(typeof(PreserveUnknownFieldsAttribute)) && IsJsonNode(type)
            ? FreeForm(type)
            : ForType(type, property);

        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            // The property's own words win over the description of its type.
            schema.Remove("description");
            schema.Insert(0, "description", description.Description);
        }
        if (property.GetCustomAttribute<FormatAttribute>() is { } format) { schema["format"] = format.Format; }
        if (property.GetCustomAttribute<DefaultValueAttribute>() is { } defaultValue)
        {
            schema["default"] = DefaultFor(defaultValue.Value, type, property);
        }
        AddConstraints(schema, property, schema["type"]?.GetValue<string>());
        if (property.IsDefined(typeof(PreserveUnknownFieldsAttribute)) && !IsJsonNode(type))
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }
        AddCelRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    // A JsonObject is still an object; any other JSON node may be a list or a scalar, which structural
    // schemas allow only without a type.
    private static JsonObject FreeForm(Type type) => type == typeof(JsonObject)
        ? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true }
        : new JsonObject { ["x-kubernetes-preserve-unknown-fields"] = true };

    private JsonObject ForType(Type type, PropertyInfo? property)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) { return new JsonObject { ["type"] = "string" }; }
        if (type == typeof(bool)) { return new JsonObject { ["type"] = "boolean" }; }
        if (type == typeof(int)) { return new JsonObject { ["type"] = "integer", ["format"] = "int32" }; }
        if (type == typeof(long)) { return new JsonObject { ["type"] = "integer", ["format"] = "int64" }; }
        if (type == typeof(double)) { return new JsonObject { ["type"] = "number", ["format"] = "double" }; }
        if (type == typeof(float)) { return new JsonObject { ["type"] = "number", ["format"] = "float" }; }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) { return new JsonObject { ["type"] = "string", ["format"] = "date-time" }; }
        if (type == typeof(byte[])) { return new JsonObject { ["type"] = "string", ["format"] = "byte" }; }
        if (type == typeof(IntOrString)) { return new JsonObject { ["x-kubernetes-int-or-string"] = true }; }
        if (type.IsEnum)
        {
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. EnumNames(type).Select(n => JsonValue.Create(n))]) };
        }
        if (IsJsonNode(type))
        {
            // Free-form JSON without [PreserveUnknownFields] would be pruned to nothing by the API server.
            throw new InvalidOperationException(
                $"CRD schema: {Where(property)} is free-form JSON; mark it [PreserveUnknownFields] so the API server keeps its content.");
        }
        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ForType(valueType, property) };
        }
        if (ListItemType(type) is { } itemType)
        {
            return new JsonObject { ["type"] = "array", ["items"] = ForType(itemType, property) };
        }
        if (type.IsPrimitive || type == typeof(decimal) || type.IsInterface)
        {
            throw new NotSupportedException($"CRD schema: {Where(property)} has type {type.Name}, which has no mapping; use int, long, string or a record.");
        }
        return ForObject(type);
    }

    private static void AddConstraints(JsonObject schema, PropertyInfo property, string? schemaType)
    {
        // On a list, lengths bound the items and a pattern applies to each item, as kubebuilder markers do.
        var target = schemaType == "array" ? (JsonObject)schema["items"]! : schema;
        var targetType = target["type"]?.GetValue<string>();
        var (minKey, maxKey) = schemaType == "array" ? ("minItems", "maxItems") : ("minLength", "maxLength");

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } min) { schema[minKey] = min.Length; }
        if (property.GetCustomAttribute<MaxLengthAttribute>() is { Length: >= 0 } max) { schema[maxKey] = max.Length; }
        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            schema[minKey] = length.MinimumLength;
            schema[maxKey] = length.MaximumLength;
        }
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } regex)
        {
            if (targetType != "string") { throw new InvalidOperationException($"CRD schema: {Where(property)} has a pattern but is not a string or a list of strings."); }
            target["pattern"] = regex.Pattern;
        }
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            var integral = targetType == "integer";
            target["minimum"] = Bound(range.Minimum, integral);
            target["maximum"] = Bound(range.Maximum, integral);
            if (range.MinimumIsExclusive) { target["exclusiveMinimum"] = true; }
            if (range.MaximumIsExclusive) { target["exclusiveMaximum"] = true; }
        }
    }

    private static JsonNode Bound(object value, bool integral)
    {
        var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (!integral) { return JsonValue.Create(number); }
        return number is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)number) : JsonValue.Create((long)number);
    }

    /// <summary>A default typed like the field, so the API server's defaulting writes a value the schema accepts.</summary>
    private static JsonNode? DefaultFor(object? value, Type type, PropertyInfo property)
    {
        if (value is null) { return null; }
        if (type.IsEnum)
        {
            var name = value is Enum member ? EnumName(type, member.ToString()) : value.ToString()!;
            if (!EnumNames(type).Contains(name))
            {
                throw new InvalidOperationException($"CRD schema: {Where(property)} defaults to '{name}', which is not one of {string.Join(", ", EnumNames(type))}.");
            }
            return name;
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => Convert.ToString(value, CultureInfo.InvariantCulture),
            TypeCode.Boolean => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
            TypeCode.Int32 => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            TypeCode.Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            TypeCode.Double or TypeCode.Single => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            _ when type == typeof(IntOrString) && value is int number => number,
            _ when type == typeof(IntOrString) && value is string text => text,
            _ => throw new NotSupportedException($"CRD schema: {Where(property)} has a default of a type the generator cannot write ({value.GetType().Name})."),
        };
    }

    private static void AddCelRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        // A property's rules join those of its type: both must hold.
        var validations = schema["x-kubernetes-validations"] as JsonArray ?? [];
        foreach (var rule in rules)
        {
            validations.Add(new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message });
        }
        if (validations.Count > 0 && validations.Parent is null) { schema["x-kubernetes-validations"] = validations; }
    }

    private static void AddDescription(JsonObject schema, DescriptionAttribute? description)
    {
        if (description is not null) { schema["description"] = description.Description; }
    }

    private static IEnumerable<string> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).OrderBy(f => f.MetadataToken).Select(f => EnumName(type, f.Name));

    private static string EnumName(Type type, string member) =>
        type.GetField(member)?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? member;

    private static bool IsJsonNode(Type type) => typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement);

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = new[] { type }.Concat(type.GetInterfaces()).FirstOrDefault(t => t.IsGenericType &&
            (t.GetGenericTypeDefinition() == typeof(IDictionary<,>) || t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));
        if (dictionary is null) { return null; }
        var arguments = dictionary.GetGenericArguments();
        return arguments[0] == typeof(string)
            ? arguments[1]
            : throw new NotSupportedException($"CRD schema: {type.Name} has {arguments[0].Name} keys; JSON object keys are strings.");
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string)) { return null; }
        if (type.IsArray) { return type.GetElementType(); }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)) { return type.GetGenericArguments()[0]; }
        return type.GetInterfaces()
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ?.GetGenericArguments()[0];
    }

    private static string Where(PropertyInfo? property) =>
        property is null ? "a field" : $"{property.DeclaringType?.Name}.{property.Name}";
}

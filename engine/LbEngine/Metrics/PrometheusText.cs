using System.Globalization;
using System.Text;

namespace Lb.Engine.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: per metric family one <c># HELP</c> and one <c># TYPE</c> line,
/// then its samples <c>name{label="value"} number</c>. Help text escapes <c>\</c> and newlines; label values also
/// escape <c>"</c>. Families must be written whole, one after another (the format forbids interleaving).
/// </summary>
public sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private string? _current;

    /// <summary>Starts a family; <paramref name="type"/> is counter or gauge.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        if (!IsValidName(name)) throw new ArgumentException($"'{name}' is not a valid metric name", nameof(name));
        if (type is not ("counter" or "gauge")) throw new ArgumentException($"type '{type}' is not counter or gauge", nameof(type));
        if (!_families.Add(name)) throw new InvalidOperationException($"metric family {name} is written twice");
        _current = name;
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>A sample of the current family; labels are (name, value) pairs.</summary>
    public PrometheusText Sample(double value, params (string Name, string Value)[] labels)
    {
        var name = _current ?? throw new InvalidOperationException("write Family(...) before its samples");
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (!IsValidLabelName(labels[i].Name)) throw new ArgumentException($"'{labels[i].Name}' is not a valid label name", nameof(labels));
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(FormatValue(value)).Append('\n');
        return this;
    }

    /// <summary>Shorthand: a family with one unlabelled sample.</summary>
    public PrometheusText Single(string name, string type, string help, double value) => Family(name, type, help).Sample(value);

    public override string ToString() => _text.ToString();

    public static string EscapeHelp(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");

    public static string EscapeLabelValue(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*, not starting with __ (reserved).</summary>
    public static bool IsValidLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.StartsWith("__", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

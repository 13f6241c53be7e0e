using System.Text.Encodings.Web;
using System.Text.Json;
using Lbdeploy.Rendering;

namespace Lbdeploy.Tracing;

/// <summary>The three faces of a <see cref="FlowTrace"/>: text (templates/trace.txt.sbn), JSON (the model as is) and SVG (templates/trace.svg.sbn).</summary>
public static class TraceRenderer
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NewLine = "\n",
        // Readable arrows and quotes ("->", not "\u003E"); the output is a terminal or a file, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Text(FlowTrace trace) => TemplateRenderer.Render("trace.txt.sbn", trace);

    public static string Json(FlowTrace trace) => JsonSerializer.Serialize(trace, JsonOptions) + "\n";

    public static string Svg(FlowTrace trace) => TemplateRenderer.Render("trace.svg.sbn", TraceSvgLayout.Of(trace));
}

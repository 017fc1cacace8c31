using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CmaBroker.Tool.Output;

/// <summary>Source-generated (NativeAOT-safe) serialization of every cmatool JSON document.</summary>
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(DiscoverDocument))]
[JsonSerializable(typeof(ExchangeDocument))]
[JsonSerializable(typeof(UdevProbeDocument))]
[JsonSerializable(typeof(ServeDocument))]
[JsonSerializable(typeof(AuthenticationDocument))]
[JsonSerializable(typeof(MeasurementsDocument))]
[JsonSerializable(typeof(EmulatorCaDocument))]
[JsonSerializable(typeof(SessionDocument))]
[JsonSerializable(typeof(CdatDocument))]
[JsonSerializable(typeof(IdeDocument))]
public sealed partial class ToolJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The one JSON style (README "JSON output"): camelCase keys (dictionary keys too), indented,
    /// and text left readable (no \u0027 for apostrophes in messages and subjects).
    /// </summary>
    public static ToolJsonContext Styled { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

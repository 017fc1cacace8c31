using System.Text.Json.Serialization;

namespace CmaBroker.Daemon.Hosting;

/// <summary>Source-generated JSON metadata for the few values the daemon writes itself (NativeAOT-safe).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext;

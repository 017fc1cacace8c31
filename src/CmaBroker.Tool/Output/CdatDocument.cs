using System.Text.Json.Nodes;
using CmaBroker.Cdat.Formatting;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Tool.Output;

/// <summary>
/// <c>cmatool --json cdat</c>: where the table came from (source "mailbox" or "kernel", origin the mailbox
/// "doe_0180" or the sysfs attribute's path, mailbox the offset or null), the header, one object per structure
/// (the fields <see cref="CdatDescriber"/> names, the same keys as D-Bus ReadCdat) and the raw table in hex.
/// </summary>
public sealed record CdatDocument(string Target, string Address, string Source, string Origin, int? Mailbox, JsonObject Header,
    IReadOnlyList<JsonObject> Entries, string Raw)
{
    public static CdatDocument From(string target, string address, string source, string origin, int? mailbox, CdatTable table) =>
        new(target, address, source, origin, mailbox, ToJson(CdatDescriber.HeaderFields(table)),
            table.Structures.Select(s => ToJson(CdatDescriber.Fields(s))).ToList(), Hex.Format(table.Raw.Span));

    private static JsonObject ToJson(IReadOnlyList<CdatField> fields)
    {
        var json = new JsonObject();
        foreach (var field in fields)
        {
            json[field.Name] = field.Kind switch
            {
                CdatFieldKind.Number => JsonValue.Create(field.Number),
                CdatFieldKind.Text => JsonValue.Create(field.Text),
                _ => new JsonArray(field.Records!.Select(r => (JsonNode)ToJson(r)).ToArray()),
            };
        }
        return json;
    }
}

using System.Text;
using CmaBroker.Cdat.Formatting;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Service.Cxl;

namespace CmaBroker.Daemon.Objects;

/// <summary>
/// ReadCdat's reply (raw ay, entries aa{sv}, header a{sv}) from a read result. Keys are the
/// describer's field names in the bus's snake_case ("dpa_base"); every number is 't'.
/// </summary>
public static class CdatValues
{
    public static DBusValue[] Reply(CdatReadResult result)
    {
        var header = Map(CdatDescriber.HeaderFields(result.Table));
        header.Add("source", result.SourceName);
        header.Add("origin", result.Origin);
        header.Add("cached", result.FromCache);
        var entries = new VariantMapListValue(result.Table.Structures.Select(s => Map(CdatDescriber.Fields(s))).ToList());
        return [new ByteArrayValue(result.Table.Raw), entries, header];
    }

    private static VariantMapValue Map(IReadOnlyList<CdatField> fields)
    {
        var map = new VariantMapValue();
        foreach (var field in fields)
        {
            DBusValue value = field.Kind switch
            {
                CdatFieldKind.Number => field.Number,
                CdatFieldKind.Text => field.Text!,
                _ => new VariantMapListValue(field.Records!.Select(Map).ToList()),
            };
            map.Add(SnakeCase(field.Name), value);
        }
        return map;
    }

    /// <summary>"dpaBase" → "dpa_base", as the interface XML spells result keys.</summary>
    public static string SnakeCase(string camel)
    {
        var text = new StringBuilder(camel.Length + 4);
        foreach (char c in camel)
        {
            if (char.IsUpper(c))
                text.Append('_').Append(char.ToLowerInvariant(c));
            else
                text.Append(c);
        }
        return text.ToString();
    }
}

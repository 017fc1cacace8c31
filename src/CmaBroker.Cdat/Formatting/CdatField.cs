namespace CmaBroker.Cdat.Formatting;

/// <summary>What a <see cref="CdatField"/> holds.</summary>
public enum CdatFieldKind
{
    /// <summary>An unsigned integer (<see cref="CdatField.Number"/>).</summary>
    Number,
    /// <summary>Text (<see cref="CdatField.Text"/>): names, hex bytes of unknown structures, human values.</summary>
    Text,
    /// <summary>A list of records (<see cref="CdatField.Records"/>): the SSLBIS entries.</summary>
    Records,
}

/// <summary>
/// One named value of a structure, typed for the faces that print it: D-Bus maps Number to 't',
/// Text to 's' and Records to 'aa{sv}'; JSON to numbers, strings and arrays of objects.
/// </summary>
public readonly record struct CdatField(string Name, CdatFieldKind Kind, ulong Number, string? Text, IReadOnlyList<IReadOnlyList<CdatField>>? Records)
{
    public static CdatField Of(string name, ulong number) => new(name, CdatFieldKind.Number, number, null, null);

    public static CdatField Of(string name, string text) => new(name, CdatFieldKind.Text, 0, text, null);

    public static CdatField Of(string name, IReadOnlyList<IReadOnlyList<CdatField>> records) => new(name, CdatFieldKind.Records, 0, null, records);
}

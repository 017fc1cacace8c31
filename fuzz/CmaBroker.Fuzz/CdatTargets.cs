using CmaBroker.Cdat;
using CmaBroker.Cdat.Messages;
using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Fuzz;

/// <summary>
/// CXL CDAT: the Table Access Read Entry response, the whole table (header, checksum, every structure) and a
/// lone structure record. A malformed table must be a typed <see cref="CdatException"/>.
/// </summary>
internal static class CdatTargets
{
    public static void Table(byte[] input)
    {
        ReadEntryResponse.TryParse(input, out _);
        CdatHeader.TryParse(input, out _);
        FuzzTargets.AllowTypedErrors(() => CdatTable.Parse(input));
        if (input.Length >= 4 && CdatStructureCodec.DeclaredLength(input) == input.Length)
            FuzzTargets.AllowTypedErrors(() => CdatStructureCodec.Read(input));
    }
}

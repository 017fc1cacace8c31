using System.Globalization;
using System.Text.RegularExpressions;
using CmaBroker.TestSupport;

namespace CmaBroker.Spdm.Tests.Support;

/// <summary>One DOE object line of a libspdm fixture transcript.</summary>
/// <param name="Line">1-based REQ/RSP line number (as the fixture's comments count them).</param>
/// <param name="Payload">DOE payload after the 8-byte header, padding included.</param>
/// <param name="DeclaredSpdmLength">The SPDM length the fixture's comment states, or -1.</param>
public sealed record FixtureObject(int Line, bool IsRequest, ushort VendorId, byte Type, byte[] Payload, int DeclaredSpdmLength);

/// <summary>Reads <c>../shared/fixtures/libspdm/*.transcript.txt</c> in place (README.md there describes the format).</summary>
public static partial class LibSpdmTranscript
{
    [GeneratedRegex(@"^#\s+(\d+) (REQ|RSP) type 1 .*SPDM message (\d+) bytes")]
    private static partial Regex MessageComment();

    public static List<FixtureObject> Load(string fileName)
    {
        string path = SharedFixtures.LibSpdmFile(fileName);
        var declared = new Dictionary<int, int>();
        var objects = new List<FixtureObject>();
        int line = 0;
        foreach (string raw in File.ReadLines(path))
        {
            var m = MessageComment().Match(raw);
            if (m.Success)
                declared[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            if (raw.StartsWith('#') || raw.Length == 0)
                continue;
            line++;
            string[] parts = raw.Split(' ', 2);
            byte[] doe = Convert.FromHexString(parts[1]);
            int lengthDw = BitConverter.ToInt32(doe, 4) & 0x3FFFF;
            if (lengthDw * 4 != doe.Length || doe[3] != 0)
                throw new InvalidDataException($"{fileName} line {line}: DOE header length {lengthDw} DW does not match {doe.Length} bytes");
            objects.Add(new FixtureObject(line, parts[0] == "REQ", BitConverter.ToUInt16(doe, 0), doe[2], doe[8..], -1));
        }
        return objects.Select(o => declared.TryGetValue(o.Line, out int n) ? o with { DeclaredSpdmLength = n } : o).ToList();
    }

    /// <summary>Only the SPDM (type 1) objects, in order.</summary>
    public static List<FixtureObject> LoadSpdm(string fileName) => Load(fileName).Where(o => o.Type == 1).ToList();

    public static byte[] ReadFixtureFile(string name) => System.IO.File.ReadAllBytes(SharedFixtures.LibSpdmFile(name));
}

using System.Text;
using CmaBroker.Doe.Errors;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Authentication;

/// <summary>
/// Loads trust anchors: PEM (any number of CERTIFICATE blocks per file) or DER (one or more
/// concatenated certificates). Used by the daemon's trust.d/ and cmatool --trust.
/// </summary>
public static class TrustAnchorLoader
{
    /// <summary>File name endings read by <see cref="LoadDirectory"/>.</summary>
    public static readonly string[] Extensions = [".pem", ".crt", ".cer", ".der"];

    /// <summary>A file or a directory, whichever <paramref name="path"/> names.</summary>
    public static IReadOnlyList<X509Certificate> Load(string path)
    {
        if (Directory.Exists(path))
            return LoadDirectory(path);
        if (!File.Exists(path))
            throw new CmaException(CmaErrorKind.NotFound, $"trust anchor path {path} does not exist (give a PEM or DER certificate file, or a directory of them)");
        return LoadFile(path);
    }

    /// <summary>Every certificate in the files of <paramref name="directory"/> whose names end in <see cref="Extensions"/>, in name order. Not recursive.</summary>
    public static IReadOnlyList<X509Certificate> LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new CmaException(CmaErrorKind.NotFound, $"trust anchor directory {directory} does not exist");
        var anchors = new List<X509Certificate>();
        foreach (string file in Directory.EnumerateFiles(directory).Where(HasKnownExtension).OrderBy(f => f, StringComparer.Ordinal))
            anchors.AddRange(LoadFile(file));
        return anchors;
    }

    /// <summary>Every certificate in one PEM or DER file.</summary>
    public static IReadOnlyList<X509Certificate> LoadFile(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CmaException(CmaErrorKind.NotFound, $"trust anchor file {file} does not exist", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CmaException(CmaErrorKind.PermissionDenied, $"cannot read trust anchor file {file}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new CmaException(CmaErrorKind.Failed, $"cannot read trust anchor file {file}: {e.Message}", e);
        }
        try
        {
            var certificates = Parse(bytes);
            if (certificates.Count == 0)
                throw new CmaException(CmaErrorKind.InvalidArgument, $"{file} holds no certificate");
            return certificates;
        }
        catch (Exception e) when (e is CertificateException or IOException or ArgumentException or FormatException or InvalidOperationException or InvalidCastException)
        {
            throw new CmaException(CmaErrorKind.InvalidArgument, $"{file} is not a PEM or DER certificate file: {e.Message}", e);
        }
    }

    /// <summary>Parses PEM (when it contains a BEGIN CERTIFICATE line) or concatenated DER.</summary>
    public static IReadOnlyList<X509Certificate> Parse(byte[] bytes)
    {
        string text = Encoding.ASCII.GetString(bytes);
        if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            return ParsePem(text);
        return Verification.DerCertificates.Split(bytes).Select(der => new X509Certificate(der)).ToList();
    }

    private static List<X509Certificate> ParsePem(string text)
    {
        const string begin = "-----BEGIN CERTIFICATE-----";
        const string end = "-----END CERTIFICATE-----";
        var result = new List<X509Certificate>();
        int index = 0;
        while ((index = text.IndexOf(begin, index, StringComparison.Ordinal)) >= 0)
        {
            int start = index + begin.Length;
            int stop = text.IndexOf(end, start, StringComparison.Ordinal);
            if (stop < 0)
                throw new FormatException("PEM certificate block without END line");
            string base64 = new(text.AsSpan(start, stop - start).ToArray().Where(c => !char.IsWhiteSpace(c)).ToArray());
            result.Add(new X509Certificate(Convert.FromBase64String(base64)));
            index = stop + end.Length;
        }
        return result;
    }

    private static bool HasKnownExtension(string file) =>
        Extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}

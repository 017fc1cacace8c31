using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// The process-wide, cached chains of the emulator (generation of RSA-4096 keys is slow, so every
/// emulated device, test and tool shares one <see cref="CertificateChainGenerator"/>).
/// </summary>
public static class EmulatedCertificates
{
    public static CertificateChainGenerator Shared { get; } = new();

    public static EmulatedCertificateChain Chain(EmulatedCertificateAuthority authority, BaseAsymAlgorithms algorithm, LeafValidity validity = LeafValidity.Current) =>
        Shared.Chain(authority, algorithm, validity);

    public static X509Certificate Root(EmulatedCertificateAuthority authority) => Shared.Root(authority);

    /// <summary>PEM text of a certificate.</summary>
    public static string ToPem(X509Certificate certificate)
    {
        using var text = new StringWriter();
        var writer = new PemWriter(text);
        writer.WriteObject(certificate);
        writer.Writer.Flush();
        return text.ToString();
    }

    /// <summary>
    /// Writes the root CA of <paramref name="authority"/> as <c>cmabroker-emulated-{name}-root-ca.pem</c>
    /// into <paramref name="directory"/> (created if missing) and returns the file's path. The file is
    /// identical on every run.
    /// </summary>
    public static string WriteTrustAnchor(EmulatedCertificateAuthority authority, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"cmabroker-emulated-{authority.ToString().ToLowerInvariant()}-root-ca.pem");
        File.WriteAllText(path, ToPem(Root(authority)));
        return path;
    }
}

using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;
using Org.BouncyCastle.X509;

namespace CmaBroker.Service.Policy;

/// <summary>
/// The trust anchors: every PEM or DER certificate file in <c>trust.d/</c> (ARCHITECTURE.md "Trust
/// and reference policy"). A missing or empty directory means no anchors, so every device is
/// judged <c>untrusted</c> ("no trust anchors configured"). A file that does not parse makes the
/// whole load fail (InvalidArgument naming the file), so a reload keeps the previous policy.
/// </summary>
public sealed class TrustPolicy
{
    public static readonly TrustPolicy Empty = new("", [], []);

    private TrustPolicy(string directory, IReadOnlyList<X509Certificate> anchors, IReadOnlyList<string> files)
    {
        Directory = directory;
        Anchors = anchors;
        Files = files;
    }

    public string Directory { get; }

    public IReadOnlyList<X509Certificate> Anchors { get; }

    /// <summary>The files the anchors came from, in name order.</summary>
    public IReadOnlyList<string> Files { get; }

    public static TrustPolicy Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            return new TrustPolicy(directory, [], []);
        var files = System.IO.Directory.EnumerateFiles(directory)
            .Where(f => TrustAnchorLoader.Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        var anchors = new List<X509Certificate>();
        foreach (var file in files)
        {
            try
            {
                anchors.AddRange(TrustAnchorLoader.LoadFile(file));
            }
            catch (CmaException e)
            {
                throw new CmaException(CmaErrorKind.InvalidArgument, $"trust anchor {file}: {e.Message}", e);
            }
        }
        return new TrustPolicy(directory, anchors, files);
    }
}

using System.Text.Json;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>docs/configuration.md and cma-broker.json(5) describe every key the shipped configuration holds.</summary>
public sealed class ConfigurationDocTests
{
    private static IReadOnlyList<string> SampleKeys()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Path("packaging", "cma-broker.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
    }

    [Test]
    public void ShippedConfigurationHasKeys()
    {
        Assert.That(SampleKeys(), Has.Count.GreaterThan(10));
    }

    [Test]
    public void ConfigurationDocNamesEveryKeyOfTheShippedFileInItsKeyTable()
    {
        string doc = File.ReadAllText(RepositoryFiles.Path("docs", "configuration.md"));
        var missing = SampleKeys().Where(key => !doc.Contains($"| `{key}` |", StringComparison.Ordinal)).ToList();
        Assert.That(missing, Is.Empty, "keys of packaging/cma-broker.json without a row in docs/configuration.md's key table");
    }

    [Test]
    public async Task ConfigurationManPageDescribesEveryKey()
    {
        string page = await Programs.ConvertAsync("", "config-to-man.sh", RepositoryFiles.Path("docs", "configuration.md"), Programs.PropsVersion());
        var missing = SampleKeys().Where(key => !page.Contains($".TP\n\\fB{key}\\fR (", StringComparison.Ordinal)).ToList();
        Assert.That(missing, Is.Empty, "keys without a tagged paragraph in cma-broker.json(5)");
    }
}

using CmaBroker.Doe.Errors;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Policy;

namespace CmaBroker.Daemon.Hosting;

/// <summary>--check-config: the configuration was already loaded (and validated); also load trust anchors and reference files.</summary>
public static class ConfigurationCheck
{
    public static int Run(BrokerConfig config, TextWriter output, TextWriter errors)
    {
        int problems = 0;
        output.WriteLine($"configuration: {config.SourcePath ?? "built-in defaults"}");
        try
        {
            TrustPolicy trust = TrustPolicy.Load(config.TrustDirectory);
            output.WriteLine(trust.Anchors.Count == 0
                ? $"trust anchors: none in {config.TrustDirectory} (every device will be untrusted)"
                : $"trust anchors: {trust.Anchors.Count} from {trust.Files.Count} files in {config.TrustDirectory}");
        }
        catch (CmaException error)
        {
            errors.WriteLine($"cma-brokerd: {error.Message}");
            problems++;
        }
        try
        {
            ReferencePolicy reference = ReferencePolicy.Load(config.ReferenceDirectory);
            output.WriteLine($"reference measurements: {reference.Entries.Count} entries in {config.ReferenceDirectory}");
        }
        catch (CmaException error)
        {
            errors.WriteLine($"cma-brokerd: {error.Message}");
            problems++;
        }
        output.WriteLine($"targets: {(config.Targets.Count == 0 ? "none" : string.Join(", ", config.Targets))}; sysfs scan: {(config.ScanPci ? config.SysfsRoot : "off")}");
        if (problems > 0)
        {
            errors.WriteLine($"cma-brokerd: configuration invalid ({problems} problems)");
            return ExitCodes.Usage;
        }
        output.WriteLine("configuration valid");
        return ExitCodes.Success;
    }
}

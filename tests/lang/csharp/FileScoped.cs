using System.Text;

namespace Shop.Reports;

/// <summary>Renders plain-text reports.</summary>
public sealed class TextReport
{
    private readonly StringBuilder _sb = new();

    public TextReport Line(string text)
    {
        _sb.AppendLine(text);
        return this;
    }

    public override string ToString() => _sb.ToString();
}

// Kinds of report.
enum Kind { Plain, Csv }

public interface IReport
{
    string Render();
}

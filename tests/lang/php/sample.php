<?php
declare(strict_types=1);

namespace App\Billing;

use App\Models\User;
use App\Support\{Money, Currency as Cur};
use function App\Support\format_money;
use const App\Support\DEFAULT_CURRENCY;
use Psr\Log\LoggerInterface as Logger;

require_once __DIR__ . '/helpers.php';
include 'config/billing.php';
require 'vendor/autoload.php';

const TAX_RATE = 0.2;

/**
 * Something that can be billed.
 */
interface Billable
{
    public function total(): Money;
}

trait LogsActivity
{
    protected ?Logger $logger = null;

    protected function log(string $msg): void
    {
        $this->logger?->info($msg);
    }
}

enum Status: string
{
    case Open = 'open';
    case Paid = 'paid';

    public function label(): string
    {
        return ucfirst($this->value);
    }
}

/**
 * An invoice with line items.
 */
#[Entity(table: 'invoices')]
final class Invoice implements Billable
{
    use LogsActivity;

    public const PREFIX = 'INV-';
    private const MAX_LINES = 50;

    private array $lines = [];
    protected static int $count = 0;
    public $note;

    public function __construct(private User $user, private Status $status = Status::Open)
    {
        self::$count++;
        $this->log('created');
    }

    // Adds a line.
    public function addLine(string $label, Money $amount): self
    {
        if (count($this->lines) >= self::MAX_LINES) {
            throw new \OverflowException('too many lines');
        }
        $this->lines[] = [$label, $amount];
        return $this;
    }

    #[\Override]
    public function total(): Money
    {
        $sum = Money::zero(DEFAULT_CURRENCY);
        foreach ($this->lines as [$label, $amount]) {
            $sum = $sum->add($amount);
        }
        return $sum->multiply(1 + TAX_RATE);
    }

    private function number(): string
    {
        return self::PREFIX . str_pad((string) static::$count, 6, '0', STR_PAD_LEFT);
    }

    function render(): string
    {
        return format_money($this->total(), new Cur('EUR'));
    }

    public static function create(User $user): static
    {
        return new static($user);
    }
}

function invoice_for(User $user): Invoice
{
    $inv = Invoice::create($user);
    $inv->addLine('Subscription', Money::of(10));
    return $inv;
}

$invoice = invoice_for(new User('ada'));
echo $invoice->render();

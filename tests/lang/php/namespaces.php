<?php
namespace Shop\Catalog {
    use Shop\Core\Entity;

    // Base for everything sold.
    abstract class Product extends Entity
    {
        abstract protected function price(): int;

        public function describe(): string
        {
            return sprintf('%s (%d)', static::class, $this->price());
        }
    }

    function find_product(int $id): ?Product
    {
        return Repository::get()->find($id);
    }
}

namespace {
    define('SHOP_VERSION', '2.1');

    function bootstrap(): void
    {
        \Shop\Catalog\find_product(1)?->describe();
    }
}
?>
<html>
<body><?php bootstrap(); ?></body>
</html>

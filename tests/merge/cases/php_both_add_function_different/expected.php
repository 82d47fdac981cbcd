<?php

namespace App\Support;

function slug(string $s): string
{
    return strtolower(trim(preg_replace('/[^A-Za-z0-9]+/', '-', $s), '-'));
}

function title(string $s): string
{
    return ucwords(str_replace('-', ' ', $s));
}

function excerpt(string $s, int $n = 80): string
{
    return mb_strlen($s) > $n ? mb_substr($s, 0, $n) . '...' : $s;
}

<<<<<<< ours
function words(string $s): int
{
    return str_word_count($s);
}
=======
function words(string $s): array
{
    return preg_split('/\s+/', trim($s));
}
>>>>>>> theirs

{-# LANGUAGE ScopedTypeVariables #-}
-- | Shopping cart model.
module Shop.Cart
  ( Item (..)
  , Cart
  , addItem
  , total
  ) where

import qualified Data.Map.Strict as Map
import Data.List (sortBy, foldl')
import Data.Maybe hiding (fromJust)
import Control.Monad
import qualified Shop.Util as U (logLine)

type Price = Integer

-- | Largest number of items in a cart.
maxItems :: Int
maxItems = 100

-- | One line of a cart.
data Item = Item
  { sku :: String
  , qty :: Int
  , price :: Price
  } deriving (Show, Eq)

newtype Cart = Cart (Map.Map String Item)

data Status = Open | Paid | Shipped String
  deriving Show

-- | Things that have a price.
class Priced a where
  priceOf :: a -> Price
  -- | The price after a discount in percent.
  discounted :: Int -> a -> Price
  discounted pct x = priceOf x * fromIntegral (100 - pct) `div` 100

instance Priced Item where
  priceOf i = price i * fromIntegral (qty i)

instance Show Cart where
  show (Cart m) = "Cart " ++ show (Map.size m)

-- | Add an item unless the cart is full.
addItem :: Item -> Cart -> Either String Cart
addItem i (Cart m)
  | Map.size m >= maxItems = Left "cart full"
  | otherwise = Right (Cart (Map.insert (sku i) i m))

-- | Sum of all lines.
total :: Cart -> Price
total (Cart m) = foldl' step 0 (Map.elems m)
  where
    step acc i = acc + priceOf i

isDone :: Status -> Bool
isDone Open = False
isDone Paid = False
isDone (Shipped _) = True

-- no signature, two equations
describe Open = "open"
describe _ = "other"

main :: IO ()
main = do
  let c = Cart Map.empty
  case addItem (Item "a1" 2 10) c of
    Left err -> U.logLine err
    Right c' -> print (total c')
  forM_ [Open, Paid] (putStrLn . describe)

import * as React from "react";
import { createContext, useContext, useMemo, useReducer } from "react";
import type { ReactNode, FC } from "react";
import { createRoot } from "react-dom/client";
import { api } from "./api";

export interface Product {
  id: number;
  name: string;
  price: number;
}

interface CartLine {
  product: Product;
  qty: number;
}

type Action =
  | { type: "add"; product: Product }
  | { type: "remove"; id: number }
  | { type: "clear" };

export enum Currency {
  EUR = "EUR",
  USD = "USD",
}

/** Cart state shared through context. */
const CartContext = createContext<CartLine[]>([]);

function cartReducer(lines: CartLine[], action: Action): CartLine[] {
  switch (action.type) {
    case "add": {
      const existing = lines.find((l) => l.product.id === action.product.id);
      if (existing) {
        return lines.map((l) => (l === existing ? { ...l, qty: l.qty + 1 } : l));
      }
      return [...lines, { product: action.product, qty: 1 }];
    }
    case "remove":
      return lines.filter((l) => l.product.id !== action.id);
    case "clear":
      return [];
  }
}

export function formatPrice(cents: number, currency: Currency = Currency.EUR): string {
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
}

/** A single product card. */
export const ProductCard: FC<{ product: Product; onAdd: (p: Product) => void }> = ({
  product,
  onAdd,
}) => (
  <div className="card">
    <h3>{product.name}</h3>
    <span>{formatPrice(product.price)}</span>
    <button onClick={() => onAdd(product)}>Add</button>
  </div>
);

export function useCartTotal(): number {
  const lines = useContext(CartContext);
  return useMemo(() => lines.reduce((sum, l) => sum + l.product.price * l.qty, 0), [lines]);
}

type ShopProps = { products: Product[]; children?: ReactNode };

export class Shop extends React.Component<ShopProps, { filter: string }> {
  state = { filter: "" };

  private handleFilter = (e: React.ChangeEvent<HTMLInputElement>): void => {
    this.setState({ filter: e.target.value });
  };

  protected visible(): Product[] {
    return this.props.products.filter((p) => p.name.includes(this.state.filter));
  }

  render() {
    return (
      <section>
        <input value={this.state.filter} onChange={this.handleFilter} />
        {this.visible().map((p) => (
          <ProductCard key={p.id} product={p} onAdd={() => api.track("add", p.id)} />
        ))}
        {this.props.children}
      </section>
    );
  }
}

export default function App({ products }: { products: Product[] }) {
  const [lines, dispatch] = useReducer(cartReducer, []);
  return (
    <CartContext.Provider value={lines}>
      <Shop products={products}>
        <button onClick={() => dispatch({ type: "clear" })}>Clear</button>
      </Shop>
    </CartContext.Provider>
  );
}

createRoot(document.getElementById("root")!).render(<App products={[]} />);

import React, { useState, useEffect, useCallback } from "react";
import PropTypes from "prop-types";
import { fetchTodos, saveTodo } from "../api/todos";
import styles from "./TodoList.module.css";

const FILTERS = ["all", "open", "done"];

/**
 * One row of the list.
 */
function TodoItem({ todo, onToggle }) {
  return (
    <li className={todo.done ? styles.done : styles.open}>
      <input
        type="checkbox"
        checked={todo.done}
        onChange={() => onToggle(todo.id)}
      />
      {todo.title}
    </li>
  );
}

TodoItem.propTypes = {
  todo: PropTypes.object.isRequired,
  onToggle: PropTypes.func.isRequired,
};

/** Filter buttons; `current` is highlighted. */
const FilterBar = ({ current, onChange }) => (
  <div className={styles.filters}>
    {FILTERS.map((f) => (
      <button key={f} disabled={f === current} onClick={() => onChange(f)}>
        {f}
      </button>
    ))}
  </div>
);

export function useTodos(userId) {
  const [todos, setTodos] = useState([]);
  useEffect(() => {
    let cancelled = false;
    fetchTodos(userId).then((items) => {
      if (!cancelled) setTodos(items);
    });
    return () => {
      cancelled = true;
    };
  }, [userId]);
  return [todos, setTodos];
}

export class ErrorBoundary extends React.Component {
  state = { error: null };

  static getDerivedStateFromError(error) {
    return { error };
  }

  componentDidCatch(error, info) {
    console.error("render failed", error, info);
  }

  render() {
    if (this.state.error) {
      return <p role="alert">Something went wrong.</p>;
    }
    return this.props.children;
  }
}

export default function TodoList({ userId }) {
  const [todos, setTodos] = useTodos(userId);
  const [filter, setFilter] = useState("all");

  const toggle = useCallback(
    (id) => {
      const next = todos.map((t) => (t.id === id ? { ...t, done: !t.done } : t));
      setTodos(next);
      saveTodo(next.find((t) => t.id === id));
    },
    [todos, setTodos]
  );

  const visible = todos.filter((t) =>
    filter === "all" ? true : filter === "done" ? t.done : !t.done
  );

  return (
    <ErrorBoundary>
      <FilterBar current={filter} onChange={setFilter} />
      <ul>
        {visible.map((t) => (
          <TodoItem key={t.id} todo={t} onToggle={toggle} />
        ))}
      </ul>
    </ErrorBoundary>
  );
}

TodoList.propTypes = {
  userId: PropTypes.string.isRequired,
};

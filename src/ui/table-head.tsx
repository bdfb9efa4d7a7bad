/** A table's header row; an empty name heads a column with no title (the row actions). */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) => (
          <th key={index}>{column || null}</th>
        ))}
      </tr>
    </thead>
  );
}

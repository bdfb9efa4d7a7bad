/** The red Delete button of a table row: it asks `question` first and deletes only on yes. */
export function DeleteButton({ question, onDelete }: { question: string; onDelete: () => unknown }) {
  return (
    <button type="button" class="danger" onClick={() => confirm(question) && onDelete()}>
      Delete
    </button>
  );
}
